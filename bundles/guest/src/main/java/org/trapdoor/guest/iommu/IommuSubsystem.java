package org.trapdoor.guest.iommu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.guest.printk.BootLog;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * The kernel's IOMMU layer: probes every SMMU node of a kind it drives, then gives each PCI
 * function whose host bridge's {@code iommu-map} points at a probed SMMU its own DMA domain
 * ({@code iommu_probe_device} + the default DMA domain). A function without an {@code iommu-map}
 * entry, or whose SMMU did not probe, does DMA with physical addresses.
 *
 * <p>A DMA domain reserves IOVA 0 and the PCI addresses of its host bridge's memory windows
 * ({@code iova_reserve_pci_windows}); the software MSI window the SMMU drivers report is not
 * reserved, as {@code iova_reserve_iommu_regions} skips {@code IOMMU_RESV_SW_MSI}: the kernel
 * manages MSI doorbells itself in such a domain. Functions handed to {@code vfio-pci}
 * ({@code vfio-pci.ids=}) get an unmanaged domain with an MSI cookie at the window instead.
 */
public final class IommuSubsystem {
    public static final String SMMU_V3 = "arm,smmu-v3";
    public static final String[] SMMU_V2 = {"arm,mmu-500", "arm,smmu-v2", "arm,mmu-401", "arm,mmu-400"};
    static final int FAULT_HISTORY = 256;

    private final DeviceTree tree;
    private final Mmio mmio;
    private final PageAllocator pages;
    private final BootLog log;
    private final Map<DtNode, IommuOps> drivers = new LinkedHashMap<>();
    private final Map<String, IommuDomain> domains = new LinkedHashMap<>();
    private final ArrayDeque<IommuFault> faults = new ArrayDeque<>();

    public IommuSubsystem(DeviceTree tree, Mmio mmio, PageAllocator pages, BootLog log) {
        this.tree = tree;
        this.mmio = mmio;
        this.pages = pages;
        this.log = log;
    }

    /** One enumerated function and the host bridge it sits behind. */
    public record Function(GuestPciHost host, DtNode hostNode, GuestPciDevice device) {
    }

    private static boolean isV2(DtNode n) {
        for (String c : SMMU_V2) {
            if (n.compatibles().contains(c)) {
                return true;
            }
        }
        return false;
    }

    /** The StreamID of {@code f} towards its IOMMU, or {@code null} when the function is not behind one. */
    private static IdMap.Result streamOf(Function f) {
        IdMap map = f.hostNode().iommuMap();
        if (map == null) {
            return null;
        }
        IdMap.Result r = map.map(f.device().requesterId());
        return r.translated() ? r : null;
    }

    /**
     * Probes the SMMUs, then attaches every function behind one to a fresh DMA domain or, with
     * {@code passthrough} ({@code iommu.passthrough=1}), to an identity domain: its stream
     * bypasses translation and it does DMA with physical addresses.
     */
    public synchronized void probe(List<Function> functions, boolean passthrough) {
        probe(functions, passthrough, f -> false);
    }

    /**
     * As {@link #probe(List, boolean)}; functions {@code vfio} accepts are bound to
     * {@code vfio-pci} and attached to an unmanaged domain, as when its user attaches the group
     * to a VFIO container (which also takes precedence over {@code passthrough}).
     */
    public synchronized void probe(List<Function> functions, boolean passthrough,
            java.util.function.Predicate<GuestPciDevice> vfio) {
        List<IdMap.Result> sids = new ArrayList<>();
        for (Function f : functions) {
            IdMap.Result r;
            try {
                r = streamOf(f);
            } catch (RuntimeException e) {
                log.warn("%s: iommu-map: %s; no IOMMU", f.device().bdf(), e.getMessage());
                r = null;
            }
            sids.add(r);
        }
        for (DtNode n : tree.nodes()) {
            if (!n.isEnabled() || !(n.compatibles().contains(SMMU_V3) || isV2(n))) {
                continue;
            }
            IommuOps d = n.compatibles().contains(SMMU_V3)
                    ? new ArmSmmuv3(n, mmio, pages, log)
                    : new ArmSmmu(n, mmio, pages, log);
            try {
                d.init();
                drivers.put(n, d);
            } catch (RuntimeException e) {
                log.warn("%s: %s; devices behind it do DMA without an IOMMU", n.path(), e.getMessage());
            }
        }
        for (int i = 0; i < functions.size(); i++) {
            Function f = functions.get(i);
            IdMap.Result r = sids.get(i);
            if (r == null) {
                continue;
            }
            IommuOps d = drivers.get(r.target());
            if (d == null) {
                log.info("%s: IOMMU %s is not driven; direct DMA", f.device().bdf(), r.target().path());
                continue;
            }
            try {
                if (vfio.test(f.device())) {
                    attach(f, d, (int) r.id(), IommuDomain.Type.UNMANAGED);
                } else if (passthrough) {
                    d.bypass((int) r.id());
                    log.info("%s: Adding to iommu group (%s %s, StreamID 0x%x), identity domain (passthrough)",
                            f.device().bdf(), d.kind(), d.node(), r.id());
                } else {
                    attach(f, d, (int) r.id(), IommuDomain.Type.DMA);
                }
            } catch (RuntimeException e) {
                log.warn("%s: attaching to %s failed: %s; direct DMA", f.device().bdf(), d.node(), e.getMessage());
            }
        }
    }

    private void attach(Function f, IommuOps d, int sid, IommuDomain.Type type) {
        IoPgtableArm table = new IoPgtableArm(mmio, pages);
        IovaAllocator iovas = null;
        if (type == IommuDomain.Type.DMA) {
            // iommu_dma_init_domain: IOVA 0 is never handed out; iova_reserve_pci_windows keeps
            // the bridge's memory windows out (a device's DMA there would be peer-to-peer).
            iovas = new IovaAllocator(IoPgtableArm.IAS);
            for (GuestPciHost.Window w : f.host().windows()) {
                if (w.type() != GuestBar.Type.IO) {
                    iovas.reserve(w.pciAddress(), w.size());
                }
            }
        }
        IommuOps.Context c = d.attach(sid, table);
        IommuDomain domain = new IommuDomain(f.device().bdf(), type, d, c, table, iovas);
        domains.put(f.device().bdf(), domain);
        log.info("%s: Adding to iommu group (%s %s, StreamID 0x%x, ASID %d%s), %s TTB0 @0x%x",
                f.device().bdf(), d.kind(), d.node(), sid, c.asid(), c.bank() >= 0 ? ", context bank " + c.bank() : "",
                type == IommuDomain.Type.DMA ? "DMA domain"
                        : String.format("unmanaged domain (vfio-pci), MSI cookie at 0x%x,", IommuDomain.MSI_IOVA_BASE),
                table.root());
    }

    /** The DMA domain of {@code bdf}, or {@code null} when it does DMA directly. */
    public synchronized IommuDomain domain(String bdf) {
        return domains.get(bdf);
    }

    /** The IOMMU drivers that probed, by node path. */
    public synchronized Map<String, IommuOps> drivers() {
        Map<String, IommuOps> m = new LinkedHashMap<>();
        drivers.forEach((n, d) -> m.put(n.path(), d));
        return m;
    }

    public synchronized List<GuestIommuDomain> domains() {
        List<GuestIommuDomain> out = new ArrayList<>();
        for (IommuDomain d : domains.values()) {
            out.add(d.info());
        }
        return out;
    }

    /** Reads every SMMU's new fault records into the bounded history, and returns the history. */
    public synchronized List<IommuFault> faults() {
        for (IommuOps d : drivers.values()) {
            try {
                for (IommuFault f : d.drainFaults()) {
                    if (faults.size() == FAULT_HISTORY) {
                        faults.removeFirst();
                    }
                    faults.addLast(f);
                }
            } catch (RuntimeException e) {
                log.warn("%s: reading faults: %s", d.node(), e.getMessage());
            }
        }
        return List.copyOf(faults);
    }
}
