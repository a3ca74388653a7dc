package org.trapdoor.guest.irqchip;

/**
 * A per-controller MSI domain of the kernel ({@code its_msi_domain}, {@code gicv2m_domain}):
 * allocates the interrupts behind a function's vectors and composes their messages.
 */
public interface MsiDomain {
    /** {@code "ITS"} or {@code "GICv2m"}. */
    String kind();

    /** Device-tree path of the MSI controller node. */
    String node();

    /**
     * Brings the controller up through its registers.
     *
     * @throws IllegalStateException when no controller of this kind answers at the node's address,
     *                               or it cannot be set up (the message says why)
     */
    void init();

    /**
     * Allocates and maps the vectors.
     *
     * @throws IllegalStateException when the domain cannot serve the request (no space, no DeviceID)
     */
    MsiBlock allocate(MsiRequest request);

    /** Unmaps and releases a block this domain allocated. */
    void free(MsiBlock block);

    /**
     * Releases a block after the controller was replaced under the domain (a hot re-plug): its
     * mappings went with it, so nothing is sent to it; the interrupt controller's side (LPI
     * configuration, SPI enables) is undone as {@link #free} does. A domain that sends its
     * controller nothing on free has nothing more to skip.
     */
    default void forget(MsiBlock block) {
        free(block);
    }
}
