package org.trapdoor.guest.irqchip;

import java.util.function.LongUnaryOperator;

import org.trapdoor.api.dt.DtNode;

/**
 * A function asking its MSI domain for vectors ({@code msi_domain_alloc_irqs}).
 *
 * @param bdf      the function's name, for messages
 * @param rid      requester ID (bus &lt;&lt; 8 | devfn)
 * @param host     the host-bridge node, whose {@code msi-map} turns the RID into a DeviceID
 * @param vectors  how many
 * @param multiMsi true for multi-message MSI: the block must be a power of two whose data values
 *                 differ only in the low bits (the device ORs the vector number into the data)
 * @param doorbell turns the doorbell's physical address into the address the function must write
 *                 ({@code iommu_dma_prepare_msi}: an IOVA of the function's IOMMU domain
 *                 behind an IOMMU, the physical address itself otherwise)
 */
public record MsiRequest(String bdf, int rid, DtNode host, int vectors, boolean multiMsi, LongUnaryOperator doorbell) {

    /** A request from a function that reaches doorbells at their physical addresses. */
    public MsiRequest(String bdf, int rid, DtNode host, int vectors, boolean multiMsi) {
        this(bdf, rid, host, vectors, multiMsi, LongUnaryOperator.identity());
    }
}
