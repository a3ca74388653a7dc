package org.trapdoor.shell.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

import org.trapdoor.api.guest.GuestKernel;

/**
 * Waits for guest kernels to finish booting before the first command runs: a command that shows
 * what the guest set up (BAR addresses, MSI vectors) would otherwise race the boot.
 */
final class GuestBoot {
    private GuestBoot() {
    }

    /**
     * Waits until every kernel has booted, sharing one deadline {@code timeoutMillis} from now.
     *
     * @param clock milliseconds, e.g. {@code System::currentTimeMillis}
     * @return the kernels that did not boot in time (or failed to boot); empty when all did
     */
    static List<GuestKernel> await(List<GuestKernel> kernels, long timeoutMillis, LongSupplier clock)
            throws InterruptedException {
        long deadline = clock.getAsLong() + timeoutMillis;
        List<GuestKernel> late = new ArrayList<>();
        for (GuestKernel k : kernels) {
            long left = Math.max(0, deadline - clock.getAsLong());
            if (!k.awaitBooted(left)) {
                late.add(k);
            }
        }
        return late;
    }
}
