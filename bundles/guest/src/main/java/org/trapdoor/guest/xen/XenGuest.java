package org.trapdoor.guest.xen;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.Hypercalls;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;
import org.trapdoor.guest.printk.BootLog;

/**
 * The kernel running as a Xen guest: found by the {@code /hypervisor} node
 * ({@code xen_dt_guest_init} in {@code arch/arm/xen/enlighten.c}), the feature bitmap read with
 * {@code XENVER_get_features} ({@code xen_setup_features}), and, in the initial domain, every PCI
 * function reported to Xen as it is added ({@code xen_add_device} in {@code drivers/xen/pci.c},
 * {@code PHYSDEVOP_pci_device_add}). Structures go to Xen as the IPA of a page of the kernel's own
 * memory, as the hypercall ABI passes them.
 */
public final class XenGuest {
    public static final int HYPERVISOR_XEN_VERSION = 17;
    public static final int HYPERVISOR_PHYSDEV_OP = 33;
    public static final int XENVER_VERSION = 0;
    public static final int XENVER_GET_FEATURES = 6;
    public static final int XENFEAT_NR_SUBMAPS = 1;
    public static final int XENFEAT_DOM0 = 11;
    public static final int PHYSDEVOP_PCI_DEVICE_ADD = 25;
    public static final int PHYSDEVOP_MANAGE_PCI_ADD = 15;
    private static final long ENOSYS = 38;

    private final Hypercalls hypercalls;
    private final Mmio mmio;
    private final BootLog log;
    private final String version;
    /** One page of the kernel's memory for hypercall arguments. */
    private final long arg;
    private final int[] features = new int[XENFEAT_NR_SUBMAPS];
    private boolean pciSegSupported = true;
    private int reported;
    private int failed;

    private XenGuest(Hypercalls hypercalls, Mmio mmio, BootLog log, String version, long arg) {
        this.hypercalls = hypercalls;
        this.mmio = mmio;
        this.log = log;
        this.version = version;
        this.arg = arg;
    }

    /**
     * {@code xen_early_init} + {@code xen_guest_init}: the Xen guest, or null when the tree has no
     * {@code xen,xen} node or there is no hypervisor to call (then the kernel runs as on bare metal).
     */
    public static XenGuest detect(DeviceTree tree, Hypercalls hypercalls, PageAllocator pages, Mmio mmio,
            BootLog log) {
        DtNode node = null;
        for (DtNode n : tree.nodes()) {
            if (n.compatibles().contains("xen,xen")) {
                node = n;
                break;
            }
        }
        if (node == null) {
            return null;
        }
        if (hypercalls == null) {
            log.warn("Xen: %s present but no hypervisor answers HVC; running without Xen support", node.path());
            return null;
        }
        if (pages == null) {
            log.warn("Xen: no RAM for hypercall arguments; running without Xen support");
            return null;
        }
        String version = "unknown";
        for (String c : node.compatibles()) {
            if (c.startsWith("xen,xen-")) {
                version = c.substring("xen,xen-".length());
            }
        }
        log.info("Xen %s support found", version);
        XenGuest x = new XenGuest(hypercalls, mmio, log, version, pages.allocate(PageAllocator.PAGE, PageAllocator.PAGE));
        x.setupFeatures();
        long v = hypercalls.hypercall(HYPERVISOR_XEN_VERSION, XENVER_VERSION, 0, 0, 0, 0);
        log.info("Xen: hypervisor version %d.%d, features 0x%08x%s", v >> 16, v & 0xffff, x.features[0],
                x.initialDomain() ? " (initial domain)" : "");
        return x;
    }

    /** {@code xen_setup_features}: {@code struct xen_feature_info { u32 submap_idx; u32 submap; }} per submap. */
    private void setupFeatures() {
        for (int i = 0; i < XENFEAT_NR_SUBMAPS; i++) {
            mmio.write32(arg, i);
            mmio.write32(arg + 4, 0);
            long r = hypercalls.hypercall(HYPERVISOR_XEN_VERSION, XENVER_GET_FEATURES, arg, 0, 0, 0);
            if (r < 0) {
                log.warn("Xen: XENVER_get_features(%d) failed: %d", i, r);
                break;
            }
            features[i] = mmio.read32(arg + 4);
        }
    }

    public boolean feature(int flag) {
        int idx = flag / 32;
        return idx < features.length && (features[idx] & (1 << (flag % 32))) != 0;
    }

    /** {@code xen_initial_domain()}: XENFEAT_dom0 set. */
    public boolean initialDomain() {
        return feature(XENFEAT_DOM0);
    }

    public String version() {
        return version;
    }

    /**
     * {@code xen_add_device}, from the PCI bus notifier on {@code BUS_NOTIFY_ADD_DEVICE} (registered
     * only in the initial domain): {@code PHYSDEVOP_pci_device_add} with {@code struct
     * physdev_pci_device_add} (seg u16, bus u8, devfn u8, flags u32, physfn {bus, devfn}, optarr[])
     * in the kernel's memory; falls back to {@code PHYSDEVOP_manage_pci_add} (segment 0 only) when
     * Xen answers {@code -ENOSYS}. Returns the hypercall's result.
     */
    public long addDevice(GuestPciDevice d) {
        if (!initialDomain()) {
            return 0;
        }
        long r = -ENOSYS;
        if (pciSegSupported) {
            mmio.write(arg, 2, d.segment());
            mmio.write(arg + 2, 1, d.bus());
            mmio.write(arg + 3, 1, d.devfn());
            mmio.write32(arg + 4, 0); // flags: neither a VF nor an ARI extended function
            mmio.write(arg + 8, 2, 0); // physfn
            mmio.write32(arg + 12, 0); // optarr[0]: no PXM
            r = hypercalls.hypercall(HYPERVISOR_PHYSDEV_OP, PHYSDEVOP_PCI_DEVICE_ADD, arg, 0, 0, 0);
            if (r == -ENOSYS) {
                pciSegSupported = false;
            }
        }
        if (!pciSegSupported) {
            if (d.segment() != 0) {
                r = -ENOSYS;
            } else {
                mmio.write(arg, 1, d.bus());
                mmio.write(arg + 1, 1, d.devfn());
                r = hypercalls.hypercall(HYPERVISOR_PHYSDEV_OP, PHYSDEVOP_MANAGE_PCI_ADD, arg, 0, 0, 0);
            }
        }
        if (r != 0) {
            failed++;
            // xen_pci_notifier's message.
            log.warn("pci %s: Failed to add - passthrough or MSI/MSI-X might fail! (%d)", d.bdf(), r);
        } else {
            reported++;
            log.info("pci %s: reported to Xen (PHYSDEVOP_pci_device_add)", d.bdf());
        }
        return r;
    }

    /** Functions Xen accepted. */
    public int reported() {
        return reported;
    }

    /** Functions Xen refused. */
    public int failed() {
        return failed;
    }
}
