package org.trapdoor.api.pci;

/**
 * A version 2 PCI Express capability (ID 0x10) of an endpoint (PCIe Base §7.5.3). Device and
 * link capabilities are fixed at construction; Device Control, Link Control and their "2"
 * registers take the bits an endpoint implements; Device Status error bits are RW1C and set by
 * the model through {@link #reportErrors}. Slot and Root registers do not exist for an endpoint
 * and read 0.
 */
public final class PcieCapability {
    /** Device Status: correctable, non-fatal, fatal, unsupported request detected. */
    public static final int DEVSTA_CED = 1 << 0;
    public static final int DEVSTA_NFED = 1 << 1;
    public static final int DEVSTA_FED = 1 << 2;
    public static final int DEVSTA_URD = 1 << 3;
    public static final int DEVSTA_TRPND = 1 << 5;

    private static final int DEVCAP_ROLE_BASED_ERROR = 1 << 15;
    /** Device Capabilities: Function Level Reset Capability. */
    public static final int DEVCAP_FLR = 1 << 28;
    /** Device Control: Initiate Function Level Reset (reads 0). */
    public static final int DEVCTL_BCR_FLR = 1 << 15;
    /** Error reporting enables, relaxed ordering, max payload, no snoop, max read request. */
    private static final int DEVCTL_WRITABLE = 0x000f | 0x0010 | 0x00e0 | 0x0800 | 0x7000;
    /** Relaxed ordering and no snoop enabled, 128-byte payload, 512-byte read requests. */
    private static final int DEVCTL_RESET = 0x2810;
    /** ASPM control, read completion boundary, common clock, extended synch. */
    private static final int LNKCTL_WRITABLE = 0x0003 | 0x0008 | 0x0040 | 0x0080;
    private static final int LNKSTA_SLOT_CLOCK = 1 << 12;
    /** Completion timeout ranges A-D and timeout disable supported. */
    private static final int DEVCAP2_VALUE = 0x1f;

    private final int offset;
    private final int maxPayloadBytes;
    private final ConfigRegister devctl;
    private final ConfigRegister devsta;
    private final ConfigRegister lnkctl;
    private final Runnable functionLevelReset;

    /**
     * @param maxPayloadBytes the largest payload supported: 128 to 4096, a power of two
     * @param linkSpeed       1 = 2.5 GT/s, 2 = 5 GT/s, 3 = 8 GT/s, 4 = 16 GT/s
     * @param linkWidth       lanes: 1, 2, 4, 8, 12, 16 or 32
     */
    public PcieCapability(ConfigSpace cs, int offset, int next, int maxPayloadBytes, int linkSpeed, int linkWidth) {
        this(cs, offset, next, maxPayloadBytes, linkSpeed, linkWidth, null);
    }

    /**
     * An endpoint that can do a Function Level Reset (PCIe Base §6.6.2): Device Capabilities
     * advertise it and writing 1 to Initiate Function Level Reset in Device Control runs
     * {@code functionLevelReset}, which returns the function to its reset state (the bit reads 0).
     * The reset completes before the write returns, so software's 100 ms wait finds it done.
     *
     * @param functionLevelReset the function's reset, or null for no FLR capability
     */
    public PcieCapability(ConfigSpace cs, int offset, int next, int maxPayloadBytes, int linkSpeed, int linkWidth,
            Runnable functionLevelReset) {
        this.functionLevelReset = functionLevelReset;
        MsiCapability.checkPlacement("PCIe", offset, next);
        if (offset + PciConfig.EXP_CAP_SIZEOF_V2 > 0x100) {
            throw new IllegalArgumentException(String.format("PCIe capability at 0x%x runs past 0xff", offset));
        }
        if (maxPayloadBytes < 128 || maxPayloadBytes > 4096 || Integer.bitCount(maxPayloadBytes) != 1) {
            throw new IllegalArgumentException("PCIe: max payload " + maxPayloadBytes + " is not 128..4096");
        }
        if (linkSpeed < 1 || linkSpeed > 4) {
            throw new IllegalArgumentException("PCIe: link speed code " + linkSpeed + " is not 1..4");
        }
        if (linkWidth < 1 || linkWidth > 32 || (Integer.bitCount(linkWidth) != 1 && linkWidth != 12)) {
            throw new IllegalArgumentException("PCIe: link width x" + linkWidth + " is not a PCIe width");
        }
        this.offset = offset;
        this.maxPayloadBytes = maxPayloadBytes;
        int payloadCode = Integer.numberOfTrailingZeros(maxPayloadBytes) - 7;
        cs.constant(offset, 2, PciConfig.CAP_ID_EXP | (next << 8));
        cs.constant(offset + PciConfig.EXP_FLAGS, 2,
                PciConfig.EXP_FLAGS_VERSION_2 | (PciConfig.EXP_TYPE_ENDPOINT << 4));
        cs.constant(offset + PciConfig.EXP_DEVCAP, 4, payloadCode | DEVCAP_ROLE_BASED_ERROR
                | (functionLevelReset != null ? DEVCAP_FLR : 0));
        devctl = cs.register(offset + PciConfig.EXP_DEVCTL, 2, DEVCTL_RESET,
                DEVCTL_WRITABLE | (functionLevelReset != null ? DEVCTL_BCR_FLR : 0))
                .onWrite(this::deviceControlWritten);
        devsta = cs.register(offset + PciConfig.EXP_DEVSTA, 2, 0, 0,
                DEVSTA_CED | DEVSTA_NFED | DEVSTA_FED | DEVSTA_URD);
        cs.constant(offset + PciConfig.EXP_LNKCAP, 4, linkSpeed | (linkWidth << 4));
        lnkctl = cs.register(offset + PciConfig.EXP_LNKCTL, 2, 0, LNKCTL_WRITABLE);
        cs.constant(offset + PciConfig.EXP_LNKSTA, 2, linkSpeed | (linkWidth << 4) | LNKSTA_SLOT_CLOCK);
        // Slot Capabilities/Control/Status and Root Control/Capabilities/Status: not an endpoint's.
        cs.constant(offset + PciConfig.EXP_SLTCAP, 4, 0);
        cs.constant(offset + 0x18, 4, 0);
        cs.constant(offset + 0x1c, 4, 0);
        cs.constant(offset + 0x20, 4, 0);
        cs.constant(offset + PciConfig.EXP_DEVCAP2, 4, DEVCAP2_VALUE);
        cs.register(offset + PciConfig.EXP_DEVCTL2, 2, 0, 0x1f);
        cs.constant(offset + PciConfig.EXP_DEVSTA2, 2, 0);
        int speeds = ((1 << linkSpeed) - 1) << 1;
        cs.constant(offset + PciConfig.EXP_LNKCAP2, 4, speeds);
        cs.register(offset + PciConfig.EXP_LNKCTL2, 2, linkSpeed, 0x000f);
        cs.constant(offset + PciConfig.EXP_LNKSTA2, 2, 0);
        // Slot Capabilities/Control/Status 2.
        cs.constant(offset + 0x34, 4, 0);
        cs.constant(offset + 0x38, 4, 0);
    }

    public int offset() {
        return offset;
    }

    /** Whether the function advertises Function Level Reset. */
    public boolean flrCapable() {
        return functionLevelReset != null;
    }

    /**
     * A payload size above what Device Capabilities offers, or a reserved read-request encoding,
     * is clamped to the largest legal value rather than left undefined.
     */
    private void deviceControlWritten(int previous, int value) {
        if ((value & DEVCTL_BCR_FLR) != 0) {
            // Initiate FLR: the rest of the write is moot, the function (this register too) resets.
            devctl.set(value & ~DEVCTL_BCR_FLR);
            functionLevelReset.run();
            return;
        }
        int mps = (value >>> 5) & 7;
        int supported = Integer.numberOfTrailingZeros(maxPayloadBytes) - 7;
        int mrrs = (value >>> 12) & 7;
        int v = value;
        if (mps > supported) {
            v = (v & ~0x00e0) | (supported << 5);
        }
        if (mrrs > 5) {
            v = (v & ~0x7000) | (5 << 12);
        }
        if (v != value) {
            devctl.set(v);
        }
    }

    public int maxPayloadSupported() {
        return maxPayloadBytes;
    }

    /** The Max_Payload_Size software set in Device Control, in bytes. */
    public int maxPayload() {
        return 128 << ((devctl.value() >>> 5) & 7);
    }

    /** The Max_Read_Request_Size software set in Device Control, in bytes. */
    public int maxReadRequest() {
        return 128 << ((devctl.value() >>> 12) & 7);
    }

    public int deviceControl() {
        return devctl.value();
    }

    public int deviceStatus() {
        return devsta.value();
    }

    public int linkControl() {
        return lnkctl.value();
    }

    /** Sets Device Status error bits (software clears them by writing 1). */
    public void reportErrors(int bits) {
        devsta.set(devsta.value() | (bits & (DEVSTA_CED | DEVSTA_NFED | DEVSTA_FED | DEVSTA_URD)));
    }

    /** Sets or clears Transactions Pending. */
    public void transactionsPending(boolean on) {
        devsta.set(on ? devsta.value() | DEVSTA_TRPND : devsta.value() & ~DEVSTA_TRPND);
    }
}
