package org.trapdoor.hw.xgene.pcie;

/**
 * One programmed X-Gene address window: {@code base} matched under {@code mask} (the window is
 * {@code ~mask + 1} bytes), mapped to {@code target}. Inbound windows take a PCI address to the
 * system address of their PIM; outbound windows (OMRn) are matched on the PCI side, where the
 * machine's {@code ranges} have already put the CPU's access.
 */
record AddressWindow(String name, long base, long mask, long target) {
    boolean contains(long address) {
        return (address & mask) == (base & mask);
    }

    long translate(long address) {
        return target + (address & ~mask);
    }

    long size() {
        return ~mask + 1;
    }

    @Override
    public String toString() {
        return String.format("%s 0x%x+0x%x -> 0x%x", name, base & mask, size(), target);
    }
}
