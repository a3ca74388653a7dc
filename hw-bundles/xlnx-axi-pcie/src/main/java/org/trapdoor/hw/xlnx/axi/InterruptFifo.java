package org.trapdoor.hw.xlnx.axi;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The AXI bridge's interrupt FIFO (RPIFR1/RPIFR2): devices push from any thread, the CPU reads
 * the head and pops it. A bounded queue in the manner of D. Vyukov's: each slot carries a
 * sequence number, so a push is one compare-and-set on the tail and two plain-ordered stores,
 * with no lock and no allocation; a full FIFO refuses the push.
 *
 * <p>An entry is RPIFR1's value (bit 31 valid, bit 30 MSI, bit 29 assert, [28:27] INTx line) in
 * the high word and RPIFR2's (the MSI data) in the low word.
 */
final class InterruptFifo {
    private final int capacity;
    private final AtomicLongArray sequence;
    private final AtomicLongArray entries;
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong head = new AtomicLong();

    InterruptFifo(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("FIFO depth " + capacity + " is not a power of two");
        }
        this.capacity = capacity;
        this.sequence = new AtomicLongArray(capacity);
        this.entries = new AtomicLongArray(capacity);
        for (int i = 0; i < capacity; i++) {
            sequence.set(i, i);
        }
    }

    /** Appends {@code entry}; false when the FIFO is full. */
    boolean push(long entry) {
        while (true) {
            long t = tail.get();
            int slot = (int) (t & (capacity - 1));
            long seq = sequence.get(slot);
            if (seq == t) {
                if (tail.compareAndSet(t, t + 1)) {
                    entries.set(slot, entry);
                    sequence.set(slot, t + 1);
                    return true;
                }
            } else if (seq < t) {
                return false;
            }
        }
    }

    /** The head entry, or 0 when the FIFO is empty (as RPIFR1/2 read then). */
    long peek() {
        long h = head.get();
        int slot = (int) (h & (capacity - 1));
        return sequence.get(slot) == h + 1 ? entries.get(slot) : 0;
    }

    /** Drops the head entry; false when there was none. Called by the CPU, one at a time. */
    boolean pop() {
        while (true) {
            long h = head.get();
            int slot = (int) (h & (capacity - 1));
            if (sequence.get(slot) != h + 1) {
                return false;
            }
            if (head.compareAndSet(h, h + 1)) {
                sequence.set(slot, h + capacity);
                return true;
            }
        }
    }

    boolean isEmpty() {
        long h = head.get();
        return sequence.get((int) (h & (capacity - 1))) != h + 1;
    }

    int size() {
        return (int) Math.max(0, tail.get() - head.get());
    }

    int capacity() {
        return capacity;
    }
}
