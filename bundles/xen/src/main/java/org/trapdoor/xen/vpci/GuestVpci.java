package org.trapdoor.xen.vpci;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ConfigAccessor;

/**
 * A DomU's virtual host bridge: the trapped ECAM window at {@code GUEST_VPCI_ECAM_BASE}
 * ({@code xen/arch/arm/vpci.c}, {@code vpci_mmio_read}/{@code _write} on the guest layout) and the
 * virtual SBDFs of its devices ({@code assign_virtual_sbdf}: segment 0, bus 0, the first free of
 * 32 slots, function 0 only).
 *
 * <p>An access must be 1, 2, 4 or 8 bytes and naturally aligned ({@code vpci_access_allowed});
 * anything else makes the handler fail, which Xen turns into a data abort injected into the guest:
 * here the access fails with {@link MemResult#ABORT} and is counted. An 8-byte access is two
 * 4-byte ones. A virtual SBDF with no device reads all-ones and drops writes
 * ({@code vpci_read_hw} for a domain that is not the hardware domain): nothing outside the
 * domain's own functions is reachable.
 *
 * <p>Hot path: one volatile array read to find the device, no lock, no allocation.
 */
public final class GuestVpci {
    /** {@code GUEST_VPCI_ECAM_BASE} / {@code _SIZE}. */
    public static final long ECAM_BASE = 0x1000_0000L;
    public static final long ECAM_SIZE = 0x1000_0000L;
    /** {@code VPCI_MAX_VIRT_DEV}. */
    public static final int MAX_VIRT_DEV = 32;

    private final AtomicReferenceArray<ConfigAccessor> slots = new AtomicReferenceArray<>(MAX_VIRT_DEV);
    private final LongAdder aborts = new LongAdder();
    private final LongAdder unowned = new LongAdder();

    /**
     * Takes a slot for {@code device} ({@code assign_virtual_sbdf}); a requested {@code vslot}
     * (xl's {@code @VSLOT}, 0-31) is honoured when free, else the first free slot is taken.
     *
     * @return the slot
     * @throws IllegalStateException when all 32 slots are taken ({@code -ENOSPC}) or the requested one is
     */
    public synchronized int assign(ConfigAccessor device, int vslot) {
        if (vslot >= 0) {
            if (vslot >= MAX_VIRT_DEV) {
                throw new IllegalArgumentException("vslot 0x" + Integer.toHexString(vslot) + " is not 0x0-0x1f");
            }
            if (slots.get(vslot) != null) {
                throw new IllegalStateException(String.format("virtual slot 0x%02x is taken", vslot));
            }
            slots.set(vslot, device);
            return vslot;
        }
        for (int i = 0; i < MAX_VIRT_DEV; i++) {
            if (slots.get(i) == null) {
                slots.set(i, device);
                return i;
            }
        }
        throw new IllegalStateException("no free virtual slot: a domain has at most " + MAX_VIRT_DEV + " PCI devices");
    }

    /** Frees the slot of {@code device} ({@code vpci_deassign_device}); false if it has none. */
    public synchronized boolean release(ConfigAccessor device) {
        for (int i = 0; i < MAX_VIRT_DEV; i++) {
            if (slots.get(i) == device) {
                slots.set(i, null);
                return true;
            }
        }
        return false;
    }

    /** The device in {@code slot}, or null. */
    public ConfigAccessor device(int slot) {
        return slot >= 0 && slot < MAX_VIRT_DEV ? slots.get(slot) : null;
    }

    public synchronized int deviceCount() {
        int n = 0;
        for (int i = 0; i < MAX_VIRT_DEV; i++) {
            n += slots.get(i) == null ? 0 : 1;
        }
        return n;
    }

    /** The trap handler of the ECAM window: {@code tx.offset} is relative to {@link #ECAM_BASE}. */
    public void access(MemoryTransaction tx) {
        long off = tx.offset;
        int size = tx.size;
        if (!MemoryTransaction.validSize(size) || (off & (size - 1)) != 0 || off < 0 || off >= ECAM_SIZE) {
            aborts.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        int bus = (int) (off >>> 20) & 0xff;
        int devfn = (int) (off >>> 12) & 0xff;
        int reg = (int) off & 0xfff;
        ConfigAccessor dev = bus == 0 && (devfn & 7) == 0 ? slots.get(devfn >>> 3) : null;
        tx.result = MemResult.OK;
        if (dev == null) {
            unowned.increment();
            if (!tx.write) {
                tx.data = MemoryTransaction.allOnes(size);
            }
            return;
        }
        if (size == 8) {
            if (tx.write) {
                dev.write(reg, 4, (int) tx.data);
                dev.write(reg + 4, 4, (int) (tx.data >>> 32));
            } else {
                tx.data = (dev.read(reg, 4) & 0xffff_ffffL) | (long) dev.read(reg + 4, 4) << 32;
            }
        } else if (tx.write) {
            dev.write(reg, size, (int) tx.data);
        } else {
            tx.data = dev.read(reg, size) & MemoryTransaction.allOnes(size);
        }
    }

    /** Accesses refused for their size or alignment (data aborts injected into the guest). */
    public long aborts() {
        return aborts.sum();
    }

    /** Accesses to virtual SBDFs with no device (read all-ones, writes dropped). */
    public long unownedAccesses() {
        return unowned.sum();
    }
}
