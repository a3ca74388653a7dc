package org.trapdoor.core.compose;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The machine's one in-flight gate: every transaction that may use a published binding (a CPU
 * access, a device's DMA or MSI) enters it once, for its whole trip through the machine, and a
 * swap waits at it until every transaction that could still hold the binding it replaced has
 * left. It replaces a counter per binding, which cost two atomic operations on one shared cache
 * line per node a transaction crossed (two nodes for an MSI: the bridge, then the doorbell).
 *
 * <p>Mechanics: a grace-period scheme with two epochs, as in sleepable RCU. The counters come in
 * two sets (the parity of {@link #epoch}), each split into padded stripes chosen by the entering
 * thread's id, so CPUs on different threads do not write the same cache line. {@link #enter}
 * reads the epoch, increments its parity's stripe and re-reads the epoch; if it changed it backs
 * out and retries. {@link #synchronize} (the swap, after publishing) advances the epoch and waits
 * until the old parity's stripes sum to zero. New arrivals count in the new parity, so a swap is
 * never starved by steady traffic.
 *
 * <p>Why a swap that called {@link #synchronize} after publishing {@code next} in place of
 * {@code old} leaves no transaction inside {@code old}: consider a transaction T that reads the
 * slot's binding and gets {@code old}. T entered the gate before that read, with epoch e, and its
 * second read of the epoch also returned e. The increment and both epoch reads are
 * sequentially consistent (atomic and volatile), and so are the swap's write of the binding,
 * its write of the epoch and its reads of the counters. T read {@code old}, so that read came
 * before the swap's publish, hence before the swap's epoch write: T's epoch re-read saw e, so
 * the swap's write made it e+1 (the swap advanced from e, not from a later epoch; swaps are
 * serialised by this object's lock and T's re-read of e means no advance had happened yet) and
 * T's increment, which precedes its re-read, is visible to the swap's sum of parity e. The swap
 * therefore waits until T has left. A transaction that entered with e+1 reads the epoch after
 * the swap wrote it, so its later read of the binding sees {@code next} or newer. One that
 * entered with e-1 or earlier was already waited for by the swap that advanced from e-1. The
 * epoch is compared whole (not only its parity), so a transaction delayed across two swaps
 * between its read and its increment notices and retries.
 *
 * <p>Consequences: a swap waits for every transaction in the machine that began before it, not
 * only those in its own node; transactions are short, so that is a short wait. Nothing inside a
 * transaction may swap a binding (it would wait for itself); nothing does: swaps come from the
 * composer's callers (shell, configuration, tests). A transaction never blocks at the gate; it
 * only retries when a swap advanced the epoch between its two reads. Entering again inside a
 * transaction (a device's DMA started by a CPU's register write) is allowed: it just counts
 * twice. The binding reads a model makes through a {@code ModelRef} (the ITS reaching its GIC)
 * are covered as well, since they happen inside the transaction.
 */
public final class Gate {
    /** Stripes per parity: a power of two; threads map to them by id. */
    private static final int STRIPES = 16;
    /** Longs per stripe: 128 bytes, two cache lines, so no two stripes share a line. */
    private static final int PAD = 16;

    /** [pad][parity 0: STRIPES * PAD][parity 1: STRIPES * PAD]; counters at the start of each stripe. */
    private final AtomicLongArray counts = new AtomicLongArray(PAD + 2 * STRIPES * PAD);
    private volatile int epoch;

    /**
     * Enters the gate: the binding reads that follow are protected until {@link #exit}. Returns
     * the token to pass to {@code exit}. No lock, no allocation.
     */
    public int enter() {
        int stripe = (int) Thread.currentThread().getId() & (STRIPES - 1);
        for (;;) {
            int e = epoch;
            int at = PAD + ((e & 1) * STRIPES + stripe) * PAD;
            counts.getAndIncrement(at);
            if (epoch == e) {
                return at;
            }
            counts.getAndDecrement(at);
        }
    }

    /** Leaves the gate; {@code token} is what {@link #enter} returned. */
    public void exit(int token) {
        counts.getAndDecrement(token);
    }

    /**
     * Waits until no transaction that entered before this call is left in the machine. Called by
     * a swap after it published the new binding, before it hands state over and closes the old
     * model. Must not be called from inside a transaction.
     */
    synchronized void synchronize() {
        int e = epoch;
        epoch = e + 1;
        int first = PAD + (e & 1) * STRIPES * PAD;
        long spins = 0;
        while (!drained(first)) {
            if (++spins < 1000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private boolean drained(int first) {
        long sum = 0;
        for (int s = 0; s < STRIPES; s++) {
            sum += counts.get(first + s * PAD);
        }
        return sum == 0;
    }
}
