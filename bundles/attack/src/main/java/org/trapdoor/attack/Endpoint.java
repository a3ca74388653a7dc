package org.trapdoor.attack;

/**
 * The register map of the DMA-capable test endpoint ({@code hw-bundles/testdev}, vendor 0x1234
 * device 0x11e9) as the attacker's driver knows it: a driver knows its own device's BAR0.
 */
final class Endpoint {
    static final int VENDOR_ID = 0x1234, DEVICE_ID = 0x11e9;
    static final int REG_DMA_SRC = 0x008, REG_DMA_DST = 0x010, REG_DMA_LEN = 0x018, REG_DMA_CMD = 0x01c,
            REG_DMA_STATUS = 0x020, REG_RAISE = 0x030, REG_RAISES = 0x040, REG_MSG_SENT = 0x044,
            REG_RAISE_REFUSED = 0x04c, REG_DMA_DONE = 0x050, REG_DMA_FAILED = 0x054;
    static final int BUFFER_OFFSET = 0x800, BUFFER_SIZE = 0x800;
    static final int CMD_START = 1;
    static final int STATUS_DONE = 1 << 1, STATUS_ERROR = 1 << 2;
    /** Where its MSI capability is, for an attacker whose capability chain was hidden by vPCI. */
    static final int MSI_CAP = 0x40;

    private Endpoint() {
    }
}
