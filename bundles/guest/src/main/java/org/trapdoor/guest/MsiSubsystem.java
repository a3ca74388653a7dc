package org.trapdoor.guest;

import static org.trapdoor.api.pci.PciConfig.CAP_ID_MSI;
import static org.trapdoor.api.pci.PciConfig.CAP_ID_MSIX;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestCapability;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MsiControllerChange;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.guest.dma.DmaApi;
import org.trapdoor.guest.irqchip.CpuLpiLoad;
import org.trapdoor.guest.irqchip.GicCpu;
import org.trapdoor.guest.irqchip.IrqChip;
import org.trapdoor.guest.irqchip.IrqGic;
import org.trapdoor.guest.irqchip.IrqGicv2m;
import org.trapdoor.guest.irqchip.IrqGicv3;
import org.trapdoor.guest.irqchip.IrqGicv3Its;
import org.trapdoor.guest.irqchip.LpiRanges;
import org.trapdoor.guest.irqchip.MsiBlock;
import org.trapdoor.guest.irqchip.MsiDomain;
import org.trapdoor.guest.irqchip.MsiMessage;
import org.trapdoor.guest.irqchip.MsiRequest;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;
import org.trapdoor.guest.pci.MsiProgrammer;
import org.trapdoor.guest.pci.MsixProgrammer;
import org.trapdoor.guest.pci.PciHostGeneric;
import org.trapdoor.guest.pci.PciStub;
import org.trapdoor.guest.pci.VectorProgrammer;
import org.trapdoor.guest.pci.vendor.PciXgeneMsi;
import org.trapdoor.guest.pci.vendor.PcieXilinx;
import org.trapdoor.guest.pci.vendor.PcieXilinxMsi;
import org.trapdoor.guest.pci.vendor.PcieXilinxNwl;
import org.trapdoor.guest.pci.vendor.PcieXilinxNwlMsi;
import org.trapdoor.guest.printk.BootLog;

/**
 * The kernel's interrupt and MSI set-up, in boot order: before PCI, the root GIC's driver, the
 * CPUs' IRQ handler wired to it and every ITS or GICv2m frame ({@link #initIrq}); after PCI, for
 * each host bridge the first of its MSI controllers that probed as its MSI domain, and for each
 * function MSI-X (all table entries) or, failing that, multi-message MSI (all the vectors it is capable of, halved until the domain can serve
 * them), as {@code pci_alloc_irq_vectors} would for a driver asking for every vector.
 *
 * <p>Each MSI-controller node gets the domain its bound model calls for (an ITS domain for a
 * model that tells devices apart by DeviceID, a GICv2m domain at the node's {@code reg} for one
 * that does not), whatever its {@code compatible} says; only a node with no model falls back to
 * its {@code compatible}. {@link #reprobe()} undoes all of it (capabilities disabled, vectors
 * freed) and does it again against whatever models the machine has bound now;
 * {@link #controllerChanged} does so when {@link MsiReprobeRule} says the set-up no longer stands.
 */
final class MsiSubsystem {
    static final String GICV3 = "arm,gic-v3";
    static final String[] GICV2 = {"arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a9-gic", "arm,cortex-a7-gic"};
    static final String ITS = "arm,gic-v3-its";
    static final String V2M = "arm,gic-v2m-frame";

    private final DeviceTree tree;
    private final AddressSpace memory;
    private final BootLog log;
    private final List<PciHostGeneric> hosts = new ArrayList<>();
    private final IrqFabric fabric;
    private final Mmio mmio;
    private final PageAllocator pages;
    private final GicCpu cpu = new GicCpu();
    private IrqChip chip;
    /** MSI controller node to its domain, or {@code null} when it did not probe. */
    private final Map<DtNode, MsiDomain> domains = new HashMap<>();
    /** MSI controller node to the model its domain was probed on (or carried on to); absent or null: none. */
    private final Map<DtNode, MsiController> probedOn = new HashMap<>();
    /** Host to the MSI domain its functions use, or {@code null}. */
    private final Map<PciHostGeneric, MsiDomain> hostDomains = new HashMap<>();
    /** Completed MSI set-ups: the boot's, then one per re-probe. */
    private volatile long generation;
    private final List<Setup> setups = new ArrayList<>();
    private final Map<Integer, String> owners = new HashMap<>();
    /** Functions whose driver was unbound: no MSI set-up for them any more. */
    private final java.util.Set<String> released = new java.util.HashSet<>();
    private DmaApi dma;

    /** One function's MSI set-up. */
    private record Setup(GuestPciDevice device, VectorProgrammer programmer, MsiDomain domain, MsiBlock block,
            int firstSlot) {
    }

    MsiSubsystem(AddressSpace memory, DeviceTree tree, BootLog log, IrqFabric fabric) {
        this.tree = tree;
        this.memory = memory;
        this.log = log;
        this.fabric = fabric;
        this.mmio = new Mmio(memory);
        PageAllocator p;
        try {
            p = new PageAllocator(memory, tree);
        } catch (IllegalStateException e) {
            log.warn("MSI: %s; no interrupt tables can be allocated", e.getMessage());
            p = null;
        }
        this.pages = p;
    }

    /** The kernel's page allocator ({@code null} without RAM), shared with the IOMMU layer. */
    PageAllocator pages() {
        return pages;
    }

    Mmio mmio() {
        return mmio;
    }

    /** Routes MSI doorbells through the functions' IOMMU domains from now on. */
    synchronized void dma(DmaApi api) {
        this.dma = api;
    }

    GicCpu cpu() {
        return cpu;
    }

    /**
     * {@code init_IRQ}: the root GIC's driver, the CPUs wired to it, then every MSI controller
     * node that is of a kind this kernel drives ({@code its_init}, {@code gicv2m_init}), before
     * any PCI function is probed.
     */
    synchronized void initIrq() {
        setups.clear();
        owners.clear();
        domains.clear();
        probedOn.clear();
        chip = null;
        cpu.vectors(new int[0], 0);
        DtNode gic = rootGic();
        if (gic == null) {
            log.info("GIC: no GICv2/GICv3 interrupt controller in the device tree");
            return;
        }
        IrqChip c = gic.compatibles().contains(GICV3) ? new IrqGicv3(gic, mmio, pages, log) : new IrqGic(gic, mmio, log);
        if (pages == null && c instanceof IrqGicv3) {
            log.warn("GICv3: no RAM for LPI tables; interrupts are not set up");
            return;
        }
        try {
            c.init();
        } catch (RuntimeException e) {
            log.warn("GIC %s: %s; interrupts are not set up", gic.path(), e.getMessage());
            cpu.controller(null);
            return;
        }
        chip = c;
        InterruptController model = fabric.interruptController(gic.path());
        String gicPath = gic.path();
        cpu.resolver(() -> fabric.interruptController(gicPath));
        cpu.controller(model);
        fabric.attach(gic.path(), cpu);
        if (model == null) {
            log.warn("GIC %s: no CPU interface to take interrupts through; vectors are set up but not handled", gic.path());
        }
        // its_lpi_init: every LPI the property table covers is free; the CPUs online (one
        // redistributor each) start with no LPI targeting them.
        LpiRanges lpis = new LpiRanges(InterruptController.FIRST_LPI, c.lpiLimit() - InterruptController.FIRST_LPI);
        CpuLpiLoad load = new CpuLpiLoad(Math.max(1, Math.min(cpuNodes(), c.redistributors().size())));
        for (DtNode n : tree.nodes()) {
            if (n.isEnabled() && (n.compatibles().contains(PciXgeneMsi.COMPATIBLE)
                    || n.compatibles().contains(PcieXilinx.COMPATIBLE))) {
                // pci-xgene-msi.c's domain; pcie-xilinx.c's, on the bridge's own node (it has no
                // msi-controller property: xilinx_pcie_init_irq_domain creates it regardless).
                MsiDomain d = n.compatibles().contains(PciXgeneMsi.COMPATIBLE)
                        ? new PciXgeneMsi(n, c, cpu, memory, log, cpuNodes())
                        : new PcieXilinxMsi(n, c, cpu, memory, pages, log);
                try {
                    d.init();
                } catch (RuntimeException e) {
                    log.warn("%s: %s", n.path(), e.getMessage());
                    d = null;
                }
                domains.put(n, d);
                continue;
            }
            if (!n.isEnabled() || !n.has("msi-controller")) {
                continue;
            }
            if (n.compatibles().contains(PcieXilinxNwl.COMPATIBLE)) {
                // A bridge that is its own MSI controller (pcie-xilinx-nwl.c's MSI domain).
                MsiDomain d = new PcieXilinxNwlMsi(n, c, cpu, memory, log);
                try {
                    d.init();
                } catch (RuntimeException e) {
                    log.warn("%s: %s", n.path(), e.getMessage());
                    d = null;
                }
                domains.put(n, d);
                continue;
            }
            MsiReprobeRule.Kind kind = domainKind(n);
            if (kind == null) {
                continue;
            }
            MsiDomain d = kind == MsiReprobeRule.Kind.ITS
                    ? pages == null ? null : new IrqGicv3Its(n, c, mmio, pages, lpis, load, log)
                    : new IrqGicv2m(n, c, mmio, log);
            try {
                if (d != null) {
                    d.init();
                }
            } catch (RuntimeException e) {
                log.warn("%s: %s", n.path(), e.getMessage());
                d = null;
            }
            domains.put(n, d);
        }
    }

    /**
     * The domain an MSI-controller node of a kind this kernel drives gets: from the model bound
     * now, else (unbound, or no machine to ask) from its {@code compatible}; {@code null} for
     * other nodes.
     */
    private MsiReprobeRule.Kind domainKind(DtNode n) {
        List<String> c = n.compatibles();
        if (!c.contains(ITS) && !c.contains(V2M)) {
            return null;
        }
        MsiReprobeRule.Kind byCompatible = c.contains(ITS) ? MsiReprobeRule.Kind.ITS : MsiReprobeRule.Kind.GICV2M;
        MsiController model = fabric.msiController(n.path());
        probedOn.put(n, model);
        if (model == null) {
            return byCompatible;
        }
        MsiReprobeRule.Kind kind = MsiReprobeRule.Kind.of(model);
        if (kind != byCompatible) {
            log.info("%s: served by a %s model (%s), not the %s its compatible names: %s domain", n.path(), kind,
                    model.description(), byCompatible, kind);
        }
        return kind;
    }

    /** {@code pci_alloc_irq_vectors} for every function behind {@code probed}, through each host's MSI domain. */
    synchronized void setUpDevices(List<PciHostGeneric> probed) {
        if (probed != hosts) {
            hosts.clear();
            hosts.addAll(probed);
        }
        hostDomains.clear();
        if (chip == null) {
            generation++;
            return;
        }
        int slots = 0;
        for (PciHostGeneric host : hosts) {
            MsiDomain domain = domainFor(host);
            hostDomains.put(host, domain);
            if (domain == null) {
                continue;
            }
            for (GuestPciDevice d : host.devices()) {
                if (released.contains(d.bdf())) {
                    continue;
                }
                Setup s = setUp(host, d, domain, slots);
                if (s != null) {
                    setups.add(s);
                    slots += s.block().messages().size();
                }
            }
        }
        int[] slotOf = new int[GicCpu.INTIDS];
        for (Setup s : setups) {
            List<MsiMessage> m = s.block().messages();
            for (int i = 0; i < m.size(); i++) {
                int id = m.get(i).intid();
                cpu.reset(id);
                slotOf[id] = s.firstSlot() + i + 1;
                owners.put(id, String.format("%s %s %d", s.device().bdf(), s.programmer().msix() ? "MSI-X" : "MSI", i));
            }
        }
        cpu.vectors(slotOf, slots);
        log.info("MSI: %d vector(s) on %d function(s)", slots, setups.size());
        generation++;
    }

    /** MSI set-ups completed: 1 after boot, one more per re-probe. */
    long generation() {
        return generation;
    }

    /**
     * The machine reported that the model on an MSI-controller node changed: re-probes when the
     * node is the one a host's MSIs use and {@link MsiReprobeRule} says the set-up no longer
     * stands; the decision goes to the boot log either way.
     */
    synchronized void controllerChanged(MsiControllerChange change) {
        String what = change.model() == null ? "unbound"
                : "bound to " + change.driver() + " (" + MsiReprobeRule.Kind.of(change.model()) + ", "
                        + (change.stateHandedOver() ? "state handed over" : "from reset") + ")";
        DtNode node = tree.find(change.node());
        MsiDomain domain = node == null ? null : domains.get(node);
        boolean used = false;
        for (PciHostGeneric host : hosts) {
            MsiDomain d = hostDomains.get(host);
            if (d != null ? d.node().equals(change.node()) : host.msiControllers().contains(node)) {
                used = true;
            }
        }
        if (chip == null) {
            log.info("MSI: %s %s: the GIC is not set up, no MSI either; nothing to do", change.node(), what);
            return;
        }
        if (!used) {
            log.info("MSI: %s %s: no host's MSIs go through it; nothing to do", change.node(), what);
            return;
        }
        MsiReprobeRule.Kind setUpFor = domain == null ? null
                : domain instanceof IrqGicv3Its ? MsiReprobeRule.Kind.ITS : MsiReprobeRule.Kind.GICV2M;
        MsiReprobeRule.Decision d = MsiReprobeRule.decide(setUpFor, probedOn.get(node), change);
        log.info("MSI: %s %s: %s; %s", change.node(), what, d.reason(), d.reprobe() ? "re-probing" : "no re-probe");
        if (d.reprobe()) {
            // The controller the old domain drove is no longer there (another kind, or one from
            // reset): its mappings went with it, so the domain is dropped without commands to it.
            reprobe(change.node());
        } else if (change.model() != null) {
            // It carries on from the model the set-up was made on: the same set-up, on a new model.
            probedOn.put(node, change.model());
        }
    }

    /**
     * The driver of {@code bdf} is unbound ({@code pci_free_irq_vectors} from its remove): its MSI
     * or MSI-X is disabled and its vectors go back to their MSI domain (for an ITS: DISCARDs and
     * MAPD V=0), and no later re-probe sets it up again. Then it is handed to the stub
     * ({@link PciStub#seize}).
     *
     * @return one line: what was freed and how the function was reset
     * @throws IllegalArgumentException if no host holds {@code bdf}
     */
    synchronized String release(String bdf) {
        for (PciHostGeneric host : hosts) {
            for (GuestPciDevice d : host.devices()) {
                if (d.bdf().equals(bdf)) {
                    String freed = "no vectors";
                    for (java.util.Iterator<Setup> it = setups.iterator(); it.hasNext();) {
                        Setup s = it.next();
                        if (s.device().bdf().equals(bdf)) {
                            s.programmer().shutdown();
                            s.domain().free(s.block());
                            for (MsiMessage m : s.block().messages()) {
                                owners.remove(m.intid());
                            }
                            freed = (s.programmer().msix() ? "MSI-X" : "MSI") + " freed ("
                                    + s.block().messages().size() + " vector(s))";
                            it.remove();
                        }
                    }
                    released.add(bdf);
                    String reset = PciStub.seize(host.configPort(d), d);
                    String line = String.format("%s: driver unbound, %s, bus mastering off; pciback: %s", bdf, freed,
                            reset);
                    log.info("%s", line);
                    return line;
                }
            }
        }
        throw new IllegalArgumentException("no PCI function " + bdf);
    }

    /** Tears every function's MSI set-up down, then probes again. */
    synchronized void reprobe() {
        reprobe(null);
    }

    /**
     * Tears every function's MSI set-up down, then probes again; the blocks of node {@code gone}
     * (null: none) are released without commands to their controller, which was replaced.
     */
    private void reprobe(String gone) {
        log.info("MSI: re-probing MSI domains");
        for (Setup s : setups) {
            try {
                s.programmer().shutdown();
                if (s.domain().node().equals(gone)) {
                    s.domain().forget(s.block());
                } else {
                    s.domain().free(s.block());
                }
            } catch (RuntimeException e) {
                log.warn("%s: MSI teardown through %s: %s", s.device().bdf(), s.domain().node(), e.getMessage());
            }
        }
        initIrq();
        setUpDevices(hosts);
    }

    private DtNode rootGic() {
        DtNode p = tree.root().interruptParent();
        if (p != null && gicKind(p)) {
            return p;
        }
        for (DtNode n : tree.nodes()) {
            if (n.isEnabled() && n.has("interrupt-controller") && gicKind(n)) {
                return n;
            }
        }
        return null;
    }

    private static boolean gicKind(DtNode n) {
        List<String> c = n.compatibles();
        if (c.contains(GICV3)) {
            return true;
        }
        for (String s : GICV2) {
            if (c.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** The first of the host's MSI controllers ({@code msi-map} targets, then {@code msi-parent}) that probed. */
    private MsiDomain domainFor(PciHostGeneric host) {
        String name = host.node().path();
        for (DtNode n : host.msiControllers()) {
            MsiDomain d = domains.get(n);
            if (d != null) {
                log.info("%s: MSI domain %s (%s)", name, d.node(), d.kind());
                return d;
            }
            if (!domains.containsKey(n)) {
                log.warn("%s: MSI controller %s is of no kind this kernel drives (%s)", name, n.path(), n.compatibles());
            }
        }
        MsiDomain own = domains.get(host.node());
        if (own != null) {
            // pci_host_bridge_msi_domain: no msi-parent, the domain on the bridge's own node (AXI).
            log.info("%s: MSI domain %s (%s)", name, own.node(), own.kind());
            return own;
        }
        log.info("%s: no MSI domain: devices are left without MSI", name);
        return null;
    }

    /** MSI-X if the function has it and its table BAR is assigned, else MSI; {@code null} when neither works. */
    private Setup setUp(PciHostGeneric host, GuestPciDevice d, MsiDomain domain, int firstSlot) {
        var cfg = host.configPort(d);
        GuestCapability msix = d.capability(CAP_ID_MSIX);
        if (msix != null) {
            int bir = MsixProgrammer.tableBir(cfg, msix.offset());
            GuestBar bar = d.bar(bir);
            if (bar == null || !bar.assigned()) {
                log.warn("%s: MSI-X table BAR %d is not assigned; MSI-X not used", d.bdf(), bir);
            } else {
                long table = bar.cpuAddress() + MsixProgrammer.tableOffset(cfg, msix.offset());
                MsixProgrammer p = new MsixProgrammer(cfg, msix.offset(), table, mmio);
                Setup s = program(host, d, p, domain, p.capable(), false, firstSlot);
                if (s != null) {
                    return s;
                }
            }
        }
        GuestCapability msi = d.capability(CAP_ID_MSI);
        if (msi == null) {
            return null;
        }
        MsiProgrammer p = new MsiProgrammer(cfg, msi.offset());
        for (int n = p.capable(); n >= 1; n /= 2) {
            Setup s = program(host, d, p, domain, n, true, firstSlot);
            if (s != null) {
                return s;
            }
        }
        return null;
    }

    private Setup program(PciHostGeneric host, GuestPciDevice d, VectorProgrammer p, MsiDomain domain, int n,
            boolean multi, int firstSlot) {
        MsiBlock b;
        try {
            DmaApi api = dma;
            b = domain.allocate(api == null ? new MsiRequest(d.bdf(), d.requesterId(), host.node(), n, multi)
                    : new MsiRequest(d.bdf(), d.requesterId(), host.node(), n, multi,
                            doorbell -> api.msiAddress(d.bdf(), doorbell)));
        } catch (RuntimeException e) {
            log.warn("%s: %d %s vector(s) through %s: %s", d.bdf(), n, multi ? "MSI" : "MSI-X", domain.node(),
                    e.getMessage());
            return null;
        }
        p.program(b.messages());
        log.info("%s: %s enabled, %d vector(s) through %s", d.bdf(), multi ? "MSI" : "MSI-X", n, domain.kind());
        return new Setup(d, p, domain, b, firstSlot);
    }

    /** Every vector set up, with its state now. */
    synchronized List<GuestMsiVector> vectors() {
        List<GuestMsiVector> out = new ArrayList<>();
        for (Setup s : setups) {
            List<MsiMessage> m = s.block().messages();
            boolean lpi = s.domain() instanceof IrqGicv3Its;
            for (int i = 0; i < m.size(); i++) {
                MsiMessage msg = m.get(i);
                out.add(new GuestMsiVector(s.device().bdf(),
                        s.programmer().msix() ? GuestMsiVector.Mode.MSIX : GuestMsiVector.Mode.MSI, i, msg.address(),
                        msg.data(), lpi ? GuestMsiVector.Target.LPI : GuestMsiVector.Target.SPI, msg.intid(),
                        s.domain().node(), s.programmer().masked(i), cpu.vectorCount(s.firstSlot() + i)));
            }
        }
        return out;
    }

    /** Per-INTID counts: every vector's INTID, and every other INTID that was taken. */
    synchronized List<GuestIrqCount> counts() {
        List<GuestIrqCount> out = new ArrayList<>();
        int cpus = Math.max(cpuNodes(), cpu.cpusSeen());
        for (int id = 0; id < GicCpu.INTIDS; id++) {
            long n = cpu.count(id);
            String owner = owners.get(id);
            if (n != 0 || owner != null) {
                List<Long> perCpu = new ArrayList<>(cpus);
                for (int c = 0; c < cpus; c++) {
                    perCpu.add(cpu.count(c, id));
                }
                out.add(new GuestIrqCount(id, type(id), owner == null ? "" : owner, n, perCpu));
            }
        }
        return out;
    }

    /** The CPUs the device tree describes ({@code device_type = "cpu"} under {@code /cpus}), at least 1. */
    private int cpuNodes() {
        DtNode cpus = tree.find("/cpus");
        int n = 0;
        if (cpus != null) {
            for (DtNode c : cpus.children()) {
                if (c.isEnabled() && c.has("device_type") && "cpu".equals(c.property("device_type").string())) {
                    n++;
                }
            }
        }
        return Math.max(1, n);
    }

    private static String type(int intid) {
        return intid < 16 ? "SGI" : intid < 32 ? "PPI" : intid < 1020 ? "SPI"
                : intid >= InterruptController.FIRST_LPI ? "LPI" : "special";
    }

    /** The chip driven now, or {@code null} when the GIC did not come up. */
    synchronized IrqChip chip() {
        return chip;
    }
}
