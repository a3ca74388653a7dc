package org.trapdoor.xen.irq.host;

/**
 * What Xen's interrupt subsystem asks of its driver for the physical GIC, whichever version it is
 * ({@code struct gic_hw_operations}): the lines it has and the SPI operations done for domains.
 */
public interface PhysicalGic {
    /** SGIs + PPIs + SPIs the distributor implements. */
    int lines();

    /** INTID bits (10 without LPIs). */
    int idBits();

    /** Whether the GIC has LPIs Xen enabled (GICv3 with an LPI-capable distributor). */
    boolean lpis();

    /** {@code gic_hw_ops->enable_irq} / {@code disable_irq} of SPI {@code spi}. */
    void spiEnabled(int spi, boolean on);

    /** {@code gic_hw_ops->set_irq_type}: edge ({@code true}) or level. */
    void spiEdge(int spi, boolean edge);

    /** {@code gic_hw_ops->set_irq_affinity}: SPI {@code spi} to physical CPU {@code cpu}. */
    void spiRoute(int spi, int cpu);
}
