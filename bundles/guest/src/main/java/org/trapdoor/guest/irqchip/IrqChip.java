package org.trapdoor.guest.irqchip;

import java.util.List;

/**
 * The kernel's driver for the root interrupt controller, as far as MSIs need it: bring-up, SPI
 * configuration for GICv2m vectors and, on a GICv3, the LPI configuration table.
 */
public interface IrqChip {
    /** Linux's default interrupt priority ({@code GICD_INT_DEF_PRI}, {@code LPI_PROP_DEFAULT_PRIO}). */
    int DEFAULT_PRIORITY = 0xa0;

    /** Device-tree path of the controller node. */
    String node();

    /** {@code "GICv3"} or {@code "GICv2"}. */
    String kind();

    /**
     * Distributor, redistributors and CPU interface bring-up through their registers.
     *
     * @throws IllegalStateException when no controller of this kind answers at the node's address
     */
    void init();

    /**
     * Configures SPI {@code intid} edge-triggered, default priority, routed to the boot CPU, clears
     * a pending state left from its last owner, and enables it.
     */
    void enableEdgeSpi(int intid);

    /**
     * As {@link #enableEdgeSpi} for a level-sensitive SPI (a chained controller's output that
     * stays high while anything is pending, as the NWL bridge's {@code msi0}/{@code msi1}).
     */
    void enableLevelSpi(int intid);

    /** Disables SPI {@code intid} (ICENABLER). */
    void disableSpi(int intid);

    /** True once LPIs are enabled on every redistributor. */
    boolean lpisEnabled();

    /** The first INTID beyond the LPI range the configuration table covers (8192 when there are no LPIs). */
    int lpiLimit();

    /** Writes LPI {@code intid}'s configuration byte (default priority, group 1, enable bit) with a CPU store. */
    void setLpiConfig(int intid, boolean enabled);

    /** The redistributors, in the order of the region (one per CPU). */
    List<Redistributor> redistributors();

    /**
     * One redistributor as the ITS names it.
     *
     * @param cpu             the CPU index (the order found)
     * @param frame           physical address of its RD_base frame (RDbase when GITS_TYPER.PTA = 1)
     * @param processorNumber GICR_TYPER.Processor_Number (RDbase when PTA = 0)
     */
    record Redistributor(int cpu, long frame, int processorNumber) {
    }
}
