package org.trapdoor.api.irq;

/**
 * Why an interrupt message (an MSI write, an ITS {@code INT}, an SPI or LPI set-pending request)
 * did not make an interrupt pending. Each drop is counted with its reason in
 * {@link InterruptCounters}.
 */
public enum DropReason {
    /** The ITS is disabled (GITS_CTLR.Enabled = 0): translater writes are ignored. */
    ITS_DISABLED("ITS disabled"),
    /** The write carried no DeviceID (not from a PCI function, or no msi-map). */
    NO_DEVICE_ID("no DeviceID"),
    /** DeviceID beyond the Device Table (or its BASER is not valid). */
    DEVICE_ID_OUT_OF_RANGE("DeviceID out of range"),
    /** The Device Table entry is not valid, or its level-1 entry is not valid. */
    UNMAPPED_DEVICE_ID("unmapped DeviceID"),
    /** EventID not below 2^(DTE.size + 1). */
    EVENT_ID_OUT_OF_RANGE("EventID out of range"),
    /** The ITT entry is not valid. */
    UNMAPPED_EVENT_ID("unmapped EventID"),
    /** ICID beyond the Collection Table. */
    COLLECTION_OUT_OF_RANGE("ICID out of range"),
    /** The Collection Table entry is not valid. */
    COLLECTION_UNMAPPED("collection unmapped"),
    /** The collection names a redistributor that does not exist. */
    REDISTRIBUTOR_OUT_OF_RANGE("redistributor out of range"),
    /** A table the translation walks lies outside RAM. */
    TABLE_MEMORY_ERROR("table memory error"),
    /** The doorbell was written with an access size it does not accept. */
    BAD_ACCESS_SIZE("bad access size"),
    /** The SPI is outside the range the controller (or the v2m frame) serves. */
    SPI_OUT_OF_RANGE("SPI out of range"),
    /** The INTID is not an LPI this GIC implements (below 8192 or beyond IDbits/PROPBASER). */
    LPI_OUT_OF_RANGE("LPI out of range"),
    /** The target redistributor has GICR_CTLR.EnableLPIs clear. */
    LPI_DISABLED("LPIs disabled at redistributor"),
    /** The controller has no LPI support (GICv2, or GICD_TYPER.LPIS = 0). */
    LPIS_UNSUPPORTED("no LPI support"),
    /** The parent interrupt controller is not bound (or is of another kind). */
    NO_INTERRUPT_CONTROLLER("no interrupt controller"),
    /** The function's MSI and MSI-X are disabled, or Bus Master Enable is clear: no write was sent. */
    DISABLED("MSI disabled or bus mastering off"),
    /** The vector is masked in the function: it is held pending there; its later send is a new MSI. */
    MASKED("vector masked (held pending in the device)"),
    /** The vector is beyond those the function's software enabled. */
    NO_SUCH_VECTOR("vector not enabled"),
    /** The host bridge above the function is unbound (or its link is down): the write never left the port. */
    BRIDGE_UNBOUND("host bridge unbound"),
    /** The write reached a doorbell node that no model serves. */
    NODE_UNBOUND("doorbell node unbound"),
    /** The write reached no MSI controller: nothing at the address, or memory or a register that is not a doorbell. */
    NO_DOORBELL("no doorbell at the address"),
    /** The IOMMU in front of the bridge faulted on the write. */
    IOMMU_FAULT("IOMMU fault"),
    /** The IOMMU the write must pass through is unbound: the write was aborted before translation. */
    IOMMU_UNBOUND("IOMMU unbound"),
    /** The target aborted the write (a model failed). */
    TARGET_ABORT("target abort"),
    /** The interrupt was already pending: the message merged with it. */
    COALESCED("already pending (coalesced)"),
    /**
     * The interrupt is disabled at the controller (LPI configuration Enable bit clear, SPI
     * enable or group disabled): it is held pending and taken once software enables it.
     */
    INTERRUPT_DISABLED("interrupt disabled at the controller (held pending)"),
    /**
     * A hypervisor took the physical interrupt but no domain's virtual interrupt is mapped to it
     * (Xen's {@code gicv3_do_LPI} finding no virtual LPI, an SPI routed to nobody): it is
     * acknowledged and ended there.
     */
    NO_GUEST_MAPPING("no guest interrupt mapped (hypervisor)"),
    /** A hypervisor took the physical interrupt for a domain that is being destroyed. */
    DOMAIN_DYING("domain dying (hypervisor)"),
    /**
     * The interrupt came from a device assigned to an unprivileged guest, which upstream Xen on
     * Arm gives no MSIs (no virtual ITS and no vPCI MSI for DomUs).
     */
    DOMU_NO_MSI("DomUs get no MSIs (upstream Xen on Arm)");

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    /** Words for the shell and logs. */
    public String description() {
        return description;
    }
}
