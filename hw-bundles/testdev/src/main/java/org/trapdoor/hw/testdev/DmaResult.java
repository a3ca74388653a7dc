package org.trapdoor.hw.testdev;

/**
 * Outcome of one DMA of the test device. The ordinal is the error cause the device reports in
 * DMA_STATUS bits [7:4] (0 for success).
 */
public enum DmaResult {
    /** Every byte moved. */
    OK,
    /** A transaction was not decoded upstream (AXI DECERR). */
    DECODE_ERROR,
    /** A transaction was refused upstream (target abort, IOMMU fault). */
    ABORT,
    /** Bad length, direction or device-buffer range: nothing moved. */
    BAD_REQUEST,
    /** Bus Master Enable is clear: the device may not master transactions. */
    NO_BUS_MASTER,
    /** The device is not plugged into a port. */
    NOT_CONNECTED,
    /** Another DMA is running. */
    BUSY
}
