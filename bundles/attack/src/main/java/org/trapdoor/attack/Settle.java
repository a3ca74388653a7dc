package org.trapdoor.attack;

import java.util.function.LongSupplier;

/**
 * Waits for asynchronous consequences of an attack (Xen drains the SMMU's event queue on a
 * tasklet): until the watched counts have not moved for a quiet period, at most a bound.
 */
final class Settle {
    private static final long QUIET_MS = 30, MAX_MS = 1_000;

    private Settle() {
    }

    static void quiet(LongSupplier... counts) {
        long end = System.currentTimeMillis() + MAX_MS;
        long last = sum(counts);
        long stableSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = sum(counts);
            if (now != last) {
                last = now;
                stableSince = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - stableSince >= QUIET_MS) {
                return;
            }
        }
    }

    private static long sum(LongSupplier[] counts) {
        long s = 0;
        for (LongSupplier c : counts) {
            s += c.getAsLong();
        }
        return s;
    }
}
