package org.trapdoor.api.pci;

/**
 * Offsets and bits of PCI configuration space, as {@code include/uapi/linux/pci_regs.h} and Xen's
 * {@code pci_regs.h} name them.
 */
public final class PciConfig {
    private PciConfig() {
    }

    // Type 0/1 header
    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_PROG = 0x09;
    public static final int CLASS_DEVICE = 0x0a;
    public static final int CACHE_LINE_SIZE = 0x0c;
    public static final int LATENCY_TIMER = 0x0d;
    public static final int HEADER_TYPE = 0x0e;
    public static final int BIST = 0x0f;
    public static final int BAR0 = 0x10;
    public static final int BAR_COUNT = 6;
    public static final int CARDBUS_CIS = 0x28;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2c;
    public static final int SUBSYSTEM_ID = 0x2e;
    public static final int ROM_ADDRESS = 0x30;
    public static final int CAPABILITY_LIST = 0x34;
    public static final int INTERRUPT_LINE = 0x3c;
    public static final int INTERRUPT_PIN = 0x3d;
    public static final int MIN_GNT = 0x3e;
    public static final int MAX_LAT = 0x3f;
    /** First byte of the device-specific area after a type 0 header. */
    public static final int HEADER_END = 0x40;
    /** First extended capability. */
    public static final int EXT_CAP_START = 0x100;

    public static final int HEADER_TYPE_MASK = 0x7f;
    public static final int HEADER_TYPE_NORMAL = 0;
    public static final int HEADER_TYPE_BRIDGE = 1;
    public static final int HEADER_TYPE_CARDBUS = 2;
    public static final int HEADER_TYPE_MULTIFUNCTION = 0x80;

    // Command register
    public static final int COMMAND_IO = 1 << 0;
    public static final int COMMAND_MEMORY = 1 << 1;
    public static final int COMMAND_MASTER = 1 << 2;
    public static final int COMMAND_SPECIAL = 1 << 3;
    public static final int COMMAND_INVALIDATE = 1 << 4;
    public static final int COMMAND_VGA_PALETTE = 1 << 5;
    public static final int COMMAND_PARITY = 1 << 6;
    public static final int COMMAND_WAIT = 1 << 7;
    public static final int COMMAND_SERR = 1 << 8;
    public static final int COMMAND_FAST_BACK = 1 << 9;
    public static final int COMMAND_INTX_DISABLE = 1 << 10;
    public static final int COMMAND_RSVDP = 0xf800;

    // Status register
    public static final int STATUS_IMM_READY = 1 << 0;
    public static final int STATUS_INTERRUPT = 1 << 3;
    public static final int STATUS_CAP_LIST = 1 << 4;
    public static final int STATUS_66MHZ = 1 << 5;
    public static final int STATUS_FAST_BACK = 1 << 7;
    public static final int STATUS_PARITY = 1 << 8;
    public static final int STATUS_DEVSEL_MASK = 0x600;
    public static final int STATUS_SIG_TARGET_ABORT = 1 << 11;
    public static final int STATUS_REC_TARGET_ABORT = 1 << 12;
    public static final int STATUS_REC_MASTER_ABORT = 1 << 13;
    public static final int STATUS_SIG_SYSTEM_ERROR = 1 << 14;
    public static final int STATUS_DETECTED_PARITY = 1 << 15;
    /** The error bits software clears by writing 1. */
    public static final int STATUS_RW1C = STATUS_PARITY | STATUS_SIG_TARGET_ABORT | STATUS_REC_TARGET_ABORT
            | STATUS_REC_MASTER_ABORT | STATUS_SIG_SYSTEM_ERROR | STATUS_DETECTED_PARITY;

    // BAR low bits
    public static final int BAR_SPACE_IO = 0x1;
    public static final int BAR_MEM_TYPE_MASK = 0x6;
    public static final int BAR_MEM_TYPE_32 = 0x0;
    public static final int BAR_MEM_TYPE_64 = 0x4;
    public static final int BAR_MEM_PREFETCH = 0x8;
    public static final int BAR_MEM_MASK = ~0xf;
    public static final int BAR_IO_MASK = ~0x3;
    public static final int ROM_ENABLE = 0x1;
    public static final int ROM_ADDRESS_MASK = ~0x7ff;

    // Capability IDs
    public static final int CAP_ID_PM = 0x01;
    public static final int CAP_ID_MSI = 0x05;
    public static final int CAP_ID_VNDR = 0x09;
    public static final int CAP_ID_EXP = 0x10;
    public static final int CAP_ID_MSIX = 0x11;
    /** Xen bounds capability walks to this many entries. */
    public static final int CAP_WALK_TTL = 48;

    // MSI capability (offsets from the capability start)
    public static final int MSI_FLAGS = 2;
    public static final int MSI_ADDRESS_LO = 4;
    public static final int MSI_ADDRESS_HI = 8;
    public static final int MSI_DATA_32 = 8;
    public static final int MSI_DATA_64 = 12;
    public static final int MSI_MASK_32 = 12;
    public static final int MSI_MASK_64 = 16;
    public static final int MSI_PENDING_32 = 16;
    public static final int MSI_PENDING_64 = 20;
    public static final int MSI_FLAGS_ENABLE = 1 << 0;
    public static final int MSI_FLAGS_QMASK = 0x0e;
    public static final int MSI_FLAGS_QSIZE = 0x70;
    public static final int MSI_FLAGS_64BIT = 1 << 7;
    public static final int MSI_FLAGS_MASKBIT = 1 << 8;

    // MSI-X capability
    public static final int MSIX_FLAGS = 2;
    public static final int MSIX_TABLE = 4;
    public static final int MSIX_PBA = 8;
    public static final int MSIX_FLAGS_QSIZE = 0x7ff;
    public static final int MSIX_FLAGS_MASKALL = 1 << 14;
    public static final int MSIX_FLAGS_ENABLE = 1 << 15;
    public static final int MSIX_BIR_MASK = 0x7;
    public static final int MSIX_ENTRY_SIZE = 16;
    public static final int MSIX_ENTRY_ADDRESS_LO = 0;
    public static final int MSIX_ENTRY_ADDRESS_HI = 4;
    public static final int MSIX_ENTRY_DATA = 8;
    public static final int MSIX_ENTRY_VECTOR_CTRL = 12;
    public static final int MSIX_ENTRY_CTRL_MASKBIT = 1;

    // PCI Express capability
    public static final int EXP_FLAGS = 0x02;
    public static final int EXP_DEVCAP = 0x04;
    public static final int EXP_DEVCTL = 0x08;
    public static final int EXP_DEVSTA = 0x0a;
    public static final int EXP_LNKCAP = 0x0c;
    public static final int EXP_LNKCTL = 0x10;
    public static final int EXP_LNKSTA = 0x12;
    public static final int EXP_SLTCAP = 0x14;
    public static final int EXP_DEVCAP2 = 0x24;
    public static final int EXP_DEVCTL2 = 0x28;
    public static final int EXP_DEVSTA2 = 0x2a;
    public static final int EXP_LNKCAP2 = 0x2c;
    public static final int EXP_LNKCTL2 = 0x30;
    public static final int EXP_LNKSTA2 = 0x32;
    /** Size of a version 2 PCIe capability structure. */
    public static final int EXP_CAP_SIZEOF_V2 = 0x3c;
    public static final int EXP_TYPE_ENDPOINT = 0x0;
    public static final int EXP_FLAGS_VERSION_2 = 0x2;
}
