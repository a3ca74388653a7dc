package org.trapdoor.api.guest;

/**
 * One mapping in a device's IOMMU DMA domain, as the kernel made it.
 *
 * @param iova     the I/O virtual address the device uses (page aligned)
 * @param phys     the physical address it translates to (page aligned)
 * @param length   bytes mapped (a whole number of pages)
 * @param read     the device may read through it
 * @param write    the device may write through it
 * @param purpose  why it exists: {@code "dma"} (a streaming mapping), {@code "coherent"} (a
 *                 coherent allocation) or {@code "msi"} (an MSI doorbell page)
 */
public record GuestDmaMapping(long iova, long phys, long length, boolean read, boolean write, String purpose) {
}
