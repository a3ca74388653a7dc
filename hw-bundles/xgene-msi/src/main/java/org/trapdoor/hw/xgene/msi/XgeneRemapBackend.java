package org.trapdoor.hw.xgene.msi;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.trapdoor.api.irq.MsiRemapBackend;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;

/**
 * The X-Gene v1 MSI block as a hypervisor's trap-and-remap backend. Vector {@code v} is bit
 * {@code v % 16} of index register {@code v / 16} (MSInIRx with {@code 8n + x = v / 16}): the
 * device writes data {@code v % 16} to that register's address, and group {@code n}'s SPI tells
 * the CPU. Everything goes through the block's registers on {@code bus}, as a driver's accesses:
 *
 * <ul>
 * <li>{@link #take}: MSIINTn says which index registers have bits; each is read (read-to-clear):
 *     the claimed bits are the hypervisor's vectors, the others are kept here for the hardware
 *     domain's driver, whose signal goes on when any are kept.</li>
 * <li>{@link #hostAccess}: the hardware domain's reads of MSIINTn and MSInIRx, trapped: it sees
 *     the bits kept for it and what it reads of the hardware, never a claimed bit (those it reads
 *     are reported to the hypervisor).</li>
 * </ul>
 */
final class XgeneRemapBackend implements MsiRemapBackend {
    private static final int REGS = XgeneMsi.GROUPS * XgeneMsi.INDEXES;
    private final long base;
    private final int[] spis;
    private final AddressSpace bus;
    /**
     * One transaction per thread for the interrupt path's register reads (no allocation there). A
     * read never nests on one thread: the group's SPI is active while it is being taken.
     */
    private final ThreadLocal<MemoryTransaction> tx = ThreadLocal.withInitial(MemoryTransaction::new);
    /** Bits read out of MSInIRx for the hardware domain, per register, not yet read by it. */
    private final AtomicIntegerArray held;

    XgeneRemapBackend(long base, int[] spis, AddressSpace bus, AtomicIntegerArray held) {
        this.base = base;
        this.spis = spis;
        this.bus = bus;
        this.held = held;
    }

    @Override
    public String kind() {
        return "xgene-msi";
    }

    @Override
    public int vectors() {
        return REGS * XgeneMsi.VECTORS;
    }

    @Override
    public long doorbell(int vector) {
        return base + ((long) (vector / XgeneMsi.VECTORS) << 16);
    }

    @Override
    public int data(int vector) {
        return vector % XgeneMsi.VECTORS;
    }

    @Override
    public int signal(int vector) {
        return spis[vector / XgeneMsi.VECTORS / XgeneMsi.INDEXES];
    }

    @Override
    public boolean signalIdentifiesVector() {
        return false;
    }

    /** The claimed bits of index register {@code reg} (16 vectors: a quarter of one word). */
    static int claimedBits(long[] claimed, int reg) {
        int w = reg >> 2;
        return w < claimed.length ? (int) (claimed[w] >>> ((reg & 3) << 4)) & 0xffff : 0;
    }

    /** @param irq on the interrupt path (the per-thread transaction), else a fresh one (Dom0's trapped access may nest an interrupt) */
    private long read(long address, boolean irq) {
        MemoryTransaction t = irq ? tx.get().read(address, 4) : new MemoryTransaction().read(address, 4);
        bus.access(t);
        return t.data;
    }

    private long msiInt(int group) {
        return base + XgeneMsi.MSI_INT0 + ((long) group << 16);
    }

    private long ir(int reg) {
        return base + ((long) reg << 16);
    }

    /** Reads register {@code reg}, reports its claimed bits and returns the others. */
    private int drain(int reg, long[] claimed, Fired fired, boolean irq) {
        int bits = (int) read(ir(reg), irq) & 0xffff;
        int mine = bits & claimedBits(claimed, reg);
        while (mine != 0) {
            int k = Integer.numberOfTrailingZeros(mine);
            mine &= mine - 1;
            fired.vector(reg * XgeneMsi.VECTORS + k);
        }
        return bits & ~claimedBits(claimed, reg);
    }

    @Override
    public boolean take(int signal, long[] claimed, Fired fired) {
        boolean host = false;
        for (int n = 0; n < XgeneMsi.GROUPS; n++) {
            if (spis[n] != signal) {
                continue;
            }
            int pending = (int) read(msiInt(n), true);
            for (int x = 0; x < XgeneMsi.INDEXES; x++) {
                int reg = n * XgeneMsi.INDEXES + x;
                if ((pending & (1 << x)) != 0 && claimedBits(claimed, reg) != 0) {
                    int others = drain(reg, claimed, fired, true);
                    if (others != 0) {
                        held.getAndUpdate(reg, h -> h | others);
                    }
                }
                host |= held.get(reg) != 0
                        || (pending & (1 << x)) != 0 && claimedBits(claimed, reg) == 0;
            }
        }
        return host;
    }

    @Override
    public long[] hostWindow() {
        return new long[] {base, XgeneMsi.SIZE};
    }

    @Override
    public void hostAccess(MemoryTransaction tx, long[] claimed, Fired fired) {
        long off = tx.offset;
        if (tx.write || tx.size != 4 || (off & 0xffff) != 0 || off >= XgeneMsi.SIZE) {
            // Writes (a CPU write is a message, as on the part) and undecoded reads: as the hardware.
            MemoryTransaction hw = tx.write ? new MemoryTransaction().write(base + off, tx.size, tx.data)
                    : new MemoryTransaction().read(base + off, tx.size);
            bus.access(hw);
            tx.data = hw.data;
            tx.result = MemResult.OK;
            return;
        }
        int reg = (int) (off >>> 16);
        if (off < XgeneMsi.MSI_INT0) {
            if (reg >= REGS) {
                tx.data = 0;
            } else {
                int kept = held.getAndSet(reg, 0);
                tx.data = (kept | drain(reg, claimed, fired, false)) & 0xffffL;
            }
        } else {
            int n = reg - (XgeneMsi.MSI_INT0 >>> 16);
            int v = n < XgeneMsi.GROUPS ? (int) read(msiInt(n), false) : 0;
            for (int x = 0; x < XgeneMsi.INDEXES && n < XgeneMsi.GROUPS; x++) {
                int reg2 = n * XgeneMsi.INDEXES + x;
                if (claimedBits(claimed, reg2) == 0xffff) {
                    v &= ~(1 << x); // wholly the hypervisor's: the hardware domain has nothing there
                }
                if (held.get(reg2) != 0) {
                    v |= 1 << x;
                }
            }
            tx.data = v & 0xffL;
        }
        tx.result = MemResult.OK;
    }
}
