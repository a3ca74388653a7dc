package org.trapdoor.xen.domain;

/**
 * The guest physical memory map a DomU gets on Arm: the constants of Xen's
 * {@code xen/include/public/arch-arm.h}, which libxl uses to build the guest's device tree and Xen
 * uses to place its emulated devices.
 */
public final class GuestLayout {
    /** vGICv3 distributor ({@code GUEST_GICV3_GICD_BASE}). */
    public static final long GICV3_GICD_BASE = 0x0300_1000L;
    public static final long GICV3_GICD_SIZE = 0x0001_0000L;
    /** vGICv3 redistributor region 0 ({@code GUEST_GICV3_GICR0_BASE}): 128 KiB per vCPU. */
    public static final long GICV3_GICR0_BASE = 0x0302_0000L;
    public static final long GICV3_GICR0_SIZE = 0x0100_0000L;
    public static final long GICV3_RDIST_STRIDE = 0x0002_0000L;
    /** vGICv2 distributor and CPU interface ({@code GUEST_GICD_BASE}, {@code GUEST_GICC_BASE}). */
    public static final long GICV2_GICD_BASE = 0x0300_1000L;
    public static final long GICV2_GICD_SIZE = 0x0000_1000L;
    public static final long GICV2_GICC_BASE = 0x0300_2000L;
    public static final long GICV2_GICC_SIZE = 0x0000_2000L;

    /** vPCI ECAM window ({@code GUEST_VPCI_ECAM_BASE}): 256 buses. */
    public static final long VPCI_ECAM_BASE = 0x1000_0000L;
    public static final long VPCI_ECAM_SIZE = 0x1000_0000L;
    /** vPCI 32-bit memory window ({@code GUEST_VPCI_MEM_ADDR}). */
    public static final long VPCI_MEM_ADDR = 0x2300_0000L;
    public static final long VPCI_MEM_SIZE = 0x1000_0000L;
    /** vPCI 64-bit prefetchable window ({@code GUEST_VPCI_PREFETCH_MEM_ADDR}). */
    public static final long VPCI_PREFETCH_MEM_ADDR = 0x1_0000_0000L;
    public static final long VPCI_PREFETCH_MEM_SIZE = 0x1_0000_0000L;

    /** Grant table frames ({@code GUEST_GNTTAB_BASE}), the first {@code reg} of the hypervisor node. */
    public static final long GNTTAB_BASE = 0x3800_0000L;
    public static final long GNTTAB_SIZE = 0x0100_0000L;

    /** Low RAM bank: 3 GiB at 1 GiB ({@code GUEST_RAM0_BASE}). */
    public static final long RAM0_BASE = 0x4000_0000L;
    public static final long RAM0_SIZE = 0xc000_0000L;
    /** High RAM bank ({@code GUEST_RAM1_BASE}): 1016 GiB at 8 GiB. */
    public static final long RAM1_BASE = 0x02_0000_0000L;
    public static final long RAM1_SIZE = 0xfe_0000_0000L;

    /** PPIs of the guest's timer ({@code GUEST_TIMER_*_PPI}) and event channel upcall ({@code GUEST_EVTCHN_PPI}). */
    public static final int TIMER_VIRT_PPI = 27;
    public static final int TIMER_PHYS_S_PPI = 29;
    public static final int TIMER_PHYS_NS_PPI = 30;
    public static final int EVTCHN_PPI = 31;

    private GuestLayout() {
    }
}
