package org.trapdoor.guest.pci;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ecam.EcamLayout;

/**
 * Config-space access the way Linux's {@code pci_generic_config_read/write} does it on an ECAM
 * host: a CPU load or store of 1, 2 or 4 bytes into the ECAM window (pci-config.md §1), through
 * the address space the kernel runs against. One transaction object is reused for every access, so an
 * accessor belongs to one thread (the one probing its host bridge).
 */
final class PciEcam implements PciOps {
    /** The layout {@code pci_generic_ecam_ops} gives the window. */
    static final EcamLayout LAYOUT = EcamLayout.ECAM;

    private final AddressSpace memory;
    private final long base;
    private final int busFirst;
    private final int busLast;
    private final MemoryTransaction tx = new MemoryTransaction();

    /** @param base CPU address of the window, which starts at bus {@code busFirst} */
    PciEcam(AddressSpace memory, long base, int busFirst, int busLast) {
        this.memory = memory;
        this.base = base;
        this.busFirst = busFirst;
        this.busLast = busLast;
    }

    /** The CPU address of a config register, or -1 when the bus is outside the window. */
    long address(int bus, int devfn, int offset) {
        if (bus < busFirst || bus > busLast || devfn < 0 || devfn > 0xff) {
            return -1;
        }
        return base + LAYOUT.offset(bus - busFirst, devfn, offset);
    }

    private static boolean valid(int offset, int size) {
        return (size == 1 || size == 2 || size == 4) && offset >= 0 && offset + size <= 4096
                && (offset & (size - 1)) == 0;
    }

    /** A config read; all-ones for an unmapped bus, a bad register or a failed transaction. */
    @Override
    public int read(int bus, int devfn, int offset, int size) {
        long a = valid(offset, size) ? address(bus, devfn, offset) : -1;
        if (a < 0) {
            return (int) MemoryTransaction.allOnes(Math.min(size, 4));
        }
        memory.access(tx.read(a, size));
        return (int) (tx.ok() ? tx.data & MemoryTransaction.allOnes(size) : MemoryTransaction.allOnes(size));
    }

    /** A config write; dropped for an unmapped bus or a bad register. */
    @Override
    public void write(int bus, int devfn, int offset, int size, int value) {
        long a = valid(offset, size) ? address(bus, devfn, offset) : -1;
        if (a < 0) {
            return;
        }
        memory.access(tx.write(a, size, value & MemoryTransaction.allOnes(size)));
    }
}
