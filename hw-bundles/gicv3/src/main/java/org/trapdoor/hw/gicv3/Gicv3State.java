package org.trapdoor.hw.gicv3;

/**
 * The state of a GICv3 that is not in guest memory, handed to a replacement model: distributor
 * SPI state and registers, and per redistributor its registers, SGI/PPI state and the CPU
 * interface's active-priority stack. LPI pending bits live in the guest's pending tables and are
 * read back from there; LPI configuration is re-read from the property tables.
 */
public record Gicv3State(int spis, long[] affinity, int gicdCtlr, int[] spiEnabled, int[] spiLatch, int[] spiLevel,
        int[] spiActive, int[] spiGroup, int[] spiCfg, byte[] spiPriority, long[] irouter, Redist[] redists) {

    /** One redistributor and its CPU interface. */
    public record Redist(int ctlr, long propbaser, long pendbaser, int waker, int enabled, int latch, int active,
            int group, int icfgr1, byte[] priority, int[] activeIds, int[] activePriorities) {
    }
}
