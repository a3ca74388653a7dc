package org.trapdoor.hw.gicv2;

/**
 * A GICv2's state for a replacement model of the same shape: distributor bitmaps (word 0 banked
 * per CPU first, then the SPI words), priorities, targets, configuration, and per CPU interface
 * its enable, priority mask and active-priority stack.
 */
public record Gicv2State(int spis, int cpus, int gicdCtlr, int[] enabled, int[] latch, int[] level, int[] active,
        int[] group, int[] cfg, byte[][] privPriority, byte[] spiPriority, byte[] targets, Cpu[] cpu) {

    /** One CPU interface. */
    public record Cpu(boolean enabled, int pmr, int[] activeIds, int[] activePriorities) {
    }
}
