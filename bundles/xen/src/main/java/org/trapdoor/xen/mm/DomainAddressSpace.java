package org.trapdoor.xen.mm;

import java.util.Arrays;
import java.util.List;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.trace.TracePoint;

/**
 * A domain's intermediate physical address space, where its kernel's loads and stores go: an IPA
 * that one of Xen's MMIO traps covers goes to that trap (as Xen's {@code try_handle_mmio} runs on a
 * stage-2 data abort); one the P2M maps goes on, translated, to the machine's system bus; anything
 * else is a stage-2 abort, which Xen turns into a data abort injected into the guest: here a read
 * returns all-ones and a write is dropped, with result {@link MemResult#ABORT}, and the abort is
 * counted for the domain. Never an exception.
 *
 * <p>Hot path: the trap table is a copy-on-write sorted array read once per access; translations
 * are cached per 4 KiB page in a small direct-mapped TLB of packed {@code long}s (IPA page, machine
 * page, permissions in one word, so a racing reader sees a whole entry or none), flushed when the
 * P2M's generation moves. A mapped access allocates nothing and takes no lock.
 */
public final class DomainAddressSpace implements AddressSpace {
    private static final int TLB_BITS = 8;
    private static final int TLB_MASK = (1 << TLB_BITS) - 1;
    private static final long PAGE_MASK = 0xfffL;
    /** Packed entry: valid (63), writable (62), IPA page number [55:28], machine page number [27:0]. */
    private static final long E_VALID = 1L << 63;
    private static final long E_WRITE = 1L << 62;
    private static final int IPA_SHIFT = 28;
    private static final long PFN_MASK = (1L << 28) - 1;

    /** One trapped range. */
    public record Trap(long base, long size, String name, MmioTrap handler) {
        boolean covers(long address) {
            return address - base >= 0 && address - base < size;
        }
    }

    private final String domain;
    private final P2m p2m;
    private final AddressSpace machine;
    private volatile Trap[] traps = new Trap[0];
    private final long[] tlb = new long[1 << TLB_BITS];
    private volatile long tlbGeneration = -1;
    private final EventCounter aborts = new EventCounter();
    private final EventCounter trapAborts = new EventCounter();

    /**
     * @param domain  name for messages
     * @param p2m     the domain's stage 2
     * @param machine the machine's system address space (physical addresses)
     */
    public DomainAddressSpace(String domain, P2m p2m, AddressSpace machine) {
        this.domain = domain;
        this.p2m = p2m;
        this.machine = machine;
    }

    /** Where trapped accesses are traced ({@code xen_mmio_trap}); set before the domain runs. */
    private TracePoint trapTrace = TracePoint.NEVER;

    /** Traces every trapped access on {@code point} (an {@code xen_mmio_trap} point) while it is on. */
    public void trace(TracePoint point) {
        trapTrace = point;
    }

    public P2m p2m() {
        return p2m;
    }

    /**
     * Traps {@code [base, base+size)}: accesses there go to {@code handler} instead of the P2M.
     *
     * @throws IllegalArgumentException if the range overlaps a trap already registered
     */
    public synchronized Trap addTrap(long base, long size, String name, MmioTrap handler) {
        if (size <= 0 || base < 0 || ((base + size - 1) >>> P2m.IPA_BITS) != 0) {
            throw new IllegalArgumentException(String.format("trap %s [0x%x, +0x%x) outside the IPA space", name,
                    base, size));
        }
        for (Trap t : traps) {
            if (base < t.base + t.size && t.base < base + size) {
                throw new IllegalArgumentException(String.format("%s: trap %s [0x%x, +0x%x) overlaps %s [0x%x, +0x%x)",
                        domain, name, base, size, t.name, t.base, t.size));
            }
        }
        Trap trap = new Trap(base, size, name, handler);
        Trap[] next = Arrays.copyOf(traps, traps.length + 1);
        next[next.length - 1] = trap;
        Arrays.sort(next, (a, b) -> Long.compare(a.base, b.base));
        traps = next;
        return trap;
    }

    /** Removes a trap returned by {@link #addTrap}; false if it was not registered. */
    public synchronized boolean removeTrap(Trap trap) {
        Trap[] cur = traps;
        for (int i = 0; i < cur.length; i++) {
            if (cur[i] == trap) {
                Trap[] next = new Trap[cur.length - 1];
                System.arraycopy(cur, 0, next, 0, i);
                System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                traps = next;
                return true;
            }
        }
        return false;
    }

    /** The traps registered now, by base. */
    public List<Trap> traps() {
        return List.of(traps);
    }

    @Override
    public void access(MemoryTransaction tx) {
        long ipa = tx.address;
        Trap[] ts = traps;
        for (int i = 0; i < ts.length; i++) {
            Trap t = ts[i];
            if (t.covers(ipa)) {
                tx.offset = ipa - t.base;
                tx.result = MemResult.OK;
                t.handler.access(tx);
                if (tx.result != MemResult.OK) {
                    trapAborts.increment();
                }
                TracePoint tp = trapTrace;
                if (tp.on()) {
                    tp.emitText(domain, ipa, tx.size, tx.write ? 1 : 0, tx.data, tx.result.ordinal(), 0);
                }
                return;
            }
        }
        long entry = translate(ipa);
        if (entry == 0 || (tx.write && (entry & E_WRITE) == 0)
                || ((ipa & PAGE_MASK) + tx.size > FrameAllocator.PAGE_SIZE)) {
            if (entry != 0 && (ipa & PAGE_MASK) + tx.size > FrameAllocator.PAGE_SIZE) {
                // An access that crosses a page is split by the CPU; do it byte-page-wise on the slow path.
                crossPage(tx);
                return;
            }
            abort(tx);
            return;
        }
        tx.address = ((entry & PFN_MASK) << 12) | (ipa & PAGE_MASK);
        machine.access(tx);
        tx.address = ipa;
    }

    /** A stage-2 abort: all-ones / dropped, counted, never thrown. */
    private void abort(MemoryTransaction tx) {
        aborts.increment();
        tx.fail(MemResult.ABORT);
    }

    private void crossPage(MemoryTransaction tx) {
        long ipa = tx.address;
        int size = tx.size;
        boolean write = tx.write;
        long data = tx.data;
        long value = 0;
        for (int b = 0; b < size; b++) {
            long e = translate(ipa + b);
            if (e == 0 || (write && (e & E_WRITE) == 0)) {
                tx.address = ipa;
                tx.size = size;
                abort(tx);
                return;
            }
            long pa = ((e & PFN_MASK) << 12) | ((ipa + b) & PAGE_MASK);
            if (write) {
                tx.write(pa, 1, (data >>> (8 * b)) & 0xff);
                machine.access(tx);
            } else {
                tx.read(pa, 1);
                machine.access(tx);
                value |= (tx.data & 0xff) << (8 * b);
            }
            if (tx.result != MemResult.OK) {
                MemResult r = tx.result;
                tx.address = ipa;
                tx.size = size;
                tx.write = write;
                tx.data = data;
                tx.fail(r);
                return;
            }
        }
        tx.address = ipa;
        tx.size = size;
        tx.write = write;
        tx.data = write ? data : value;
        tx.result = MemResult.OK;
    }

    /** The packed TLB entry for {@code ipa}'s page, filling it from the P2M on a miss; 0 when unmapped. */
    private long translate(long ipa) {
        long gen = p2m.generation();
        if (gen != tlbGeneration) {
            flush(gen);
        }
        long ipfn = ipa >>> 12;
        int slot = (int) (ipfn & TLB_MASK);
        long e = tlb[slot];
        if ((e & E_VALID) != 0 && ((e >>> IPA_SHIFT) & PFN_MASK) == ipfn) {
            return e;
        }
        if ((ipa >>> P2m.IPA_BITS) != 0) {
            return 0;
        }
        long w = p2m.lookup(ipa);
        if (w < 0 || (w & P2m.READ) == 0) {
            return 0;
        }
        long mpfn = w >>> 12;
        if (mpfn > PFN_MASK) {
            // Beyond what an entry packs (a PA over 40 bits): translate without caching.
            return 0;
        }
        e = E_VALID | ((w & P2m.WRITE) != 0 ? E_WRITE : 0) | (ipfn << IPA_SHIFT) | mpfn;
        tlb[slot] = e;
        // A change of the P2M during the walk may have made this entry stale: drop it then.
        if (p2m.generation() != gen) {
            tlb[slot] = 0;
        }
        return e;
    }

    private synchronized void flush(long gen) {
        Arrays.fill(tlb, 0);
        tlbGeneration = gen;
    }

    /** Stage-2 aborts the domain's CPUs took: accesses to IPAs neither mapped nor trapped (or a write to a read-only page). */
    public long stage2Aborts() {
        return aborts.sum();
    }

    /** Trapped accesses the emulation refused (a data abort injected into the guest). */
    public long trapAborts() {
        return trapAborts.sum();
    }

    @Override
    public String toString() {
        return "IPA space of " + domain;
    }
}
