package org.trapdoor.api.guest;

/**
 * The outcome of one test-endpoint DMA the kernel started.
 *
 * @param bdf         the function that moved the data
 * @param phys        the physical buffer, or -1 when the DMA used a raw bus address
 * @param busAddress  the address the device was given (an IOVA behind an IOMMU, else physical)
 * @param length      bytes to move
 * @param toMemory    true when the device wrote memory ({@code write}), false when it read it
 * @param translated  true when {@code busAddress} is an IOVA of the function's IOMMU domain
 * @param ok          the device reported the DMA done without error
 * @param status      the device's DMA status register after the transfer
 * @param faultAddress the bus address of the transaction that failed, 0 when none did
 * @param message     a one-line summary for a shell
 */
public record GuestDmaTest(String bdf, long phys, long busAddress, int length, boolean toMemory, boolean translated,
        boolean ok, int status, long faultAddress, String message) {
}
