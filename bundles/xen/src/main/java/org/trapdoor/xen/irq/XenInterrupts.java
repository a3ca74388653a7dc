package org.trapdoor.xen.irq;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtInterrupt;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.guest.GuestInterrupts;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.xen.domain.DomUDeviceTree;
import org.trapdoor.xen.domain.GuestLayout;
import org.trapdoor.xen.domain.HostTree;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.irq.host.HostGic;
import org.trapdoor.xen.irq.host.HostGicv2;
import org.trapdoor.xen.irq.host.HostIts;
import org.trapdoor.xen.irq.host.HostLpis;
import org.trapdoor.xen.irq.host.PhysicalGic;
import org.trapdoor.xen.irq.its.VirtualIts;
import org.trapdoor.xen.irq.remap.RemapMsiArch;
import org.trapdoor.xen.irq.remap.VirtualV2mFrame;
import org.trapdoor.xen.irq.vgic.Vgic;
import org.trapdoor.xen.irq.vgic.Vgicv2CpuInterface;
import org.trapdoor.xen.irq.vgic.Vgicv2Distributor;
import org.trapdoor.xen.irq.vgic.Vgicv3Distributor;
import org.trapdoor.xen.irq.vgic.Vgicv3Redistributors;
import org.trapdoor.xen.irq.vgic.VirtualCpuInterface;
import org.trapdoor.xen.mm.DomainAddressSpace;
import org.trapdoor.xen.mm.FrameAllocator;
import org.trapdoor.xen.mm.P2mType;
import org.trapdoor.xen.irq.remap.BackendMsiArch;
import org.trapdoor.xen.irq.remap.RemapMsiArch;
import org.trapdoor.xen.irq.remap.VectorPool;
import org.trapdoor.xen.irq.remap.VirtualV2mFrame;
import org.trapdoor.xen.trace.XenTrace;
import org.trapdoor.xen.vpci.DirectMsiArch;
import org.trapdoor.xen.vpci.MsiArch;
import org.trapdoor.xen.vpci.VpciDevice;

/**
 * Xen's interrupt subsystem (what {@code org.trapdoor.xen.VirtualInterrupts} asks of it): it owns the physical GIC (its driver programs the distributor,
 * redistributors, host LPIs and ITSes, and its {@link IrqRouter} takes every physical interrupt
 * on the machine's root interrupt controller), and gives each domain a virtual GICv3 whose
 * distributor and redistributors are traps on the domain's address space and whose CPU interface
 * is the guest's {@link InterruptController}:
 * <ul>
 * <li>Dom0 ({@code vgic_v3_domain_init} for the hardware domain): the host's GIC addresses and
 *     SPI count, LPIs when the host has an ITS, one {@link VirtualIts} per host ITS at the same
 *     address; the SPIs of the devices it owns routed 1:1 ({@code map_device_irqs_to_domain});</li>
 * <li>a DomU: GICD at {@link GuestLayout#GICV3_GICD_BASE}, redistributors at
 *     {@link GuestLayout#GICV3_GICR0_BASE}, 32 SPIs, no ITS and so no LPIs: DomUs get no MSIs,
 *     as upstream; a device assigned to one that still raises an MSI through Dom0's host mapping is
 *     dropped with {@link org.trapdoor.api.irq.DropReason#DOMU_NO_MSI}.</li>
 * </ul>
 * The physical side starts with Dom0 (Xen's heap exists then): the GIC and ITS drivers take their
 * tables from it.
 */
public final class XenInterrupts {
    private static final Logger LOG = LoggerFactory.getLogger(XenInterrupts.class);
    static final String GICV3 = "arm,gic-v3";
    static final String ITS = "arm,gic-v3-its";
    /** SPIs a DomU's vGIC has (libxl's {@code nr_spis} for a guest with the vPL011 only, rounded to 32). */
    static final int DOMU_SPIS = 32;
    /** INTID bits of a DomU's vGIC without an ITS (Xen's {@code vgic_v3_domain_init}). */
    static final int DOMU_ID_BITS = 10;
    /** INTID bits of a DomU's vGIC with LPIs (a virtual ITS possible). */
    static final int DOMU_LPI_ID_BITS = 16;
    /**
     * Where a DomU's virtual ITS sits: after the redistributor region, the address the DomU vITS
     * series used ({@code GUEST_GICV3_ITS_BASE}); upstream's guest layout has none.
     */
    public static final long GUEST_ITS_BASE = 0x0402_0000L;
    /** Its two 64 KiB frames (control, then GITS_TRANSLATER's), as the tree describes them. */
    static final long GUEST_ITS_SIZE = 0x2_0000L;
    /** Where a DomU's GICv2m-style frame sits under {@code trap-remap}: after the vITS's frames. */
    public static final long GUEST_V2M_BASE = 0x0404_0000L;
    /** The frame's SPIs: the upper half of a DomU's 32 (the lower ones are libxl's, e.g. the vPL011's 32). */
    public static final int GUEST_V2M_FIRST_SPI = 48;
    public static final int GUEST_V2M_SPIS = 16;
    /**
     * The IPA at which the host ITS's doorbell page is mapped in a DomU's stage 2 under
     * {@code trap-remap} (the {@code map} doorbell policy): what Xen programs its devices with.
     */
    public static final long GUEST_DOORBELL_BASE = 0x0405_0000L;
    /** The page Xen maps for a domain's devices to reach an ITS's GITS_TRANSLATER. */
    static final long DOORBELL_PAGE = 0x1000;

    private final MachineInterrupts machineIrqs;
    private final Machine machine;
    private final Supplier<FrameAllocator> heap;
    private final Map<Integer, Attached> attached = new ConcurrentHashMap<>();
    /** Host DeviceIDs of devices a DomU owns (Dom0's vITS may not map them), to the owner's domid. */
    private final Map<Integer, Integer> assignedElsewhere = new ConcurrentHashMap<>();
    private PhysicalGic hostGic;
    /** Xen's GICv2 driver when the host GIC is a GICv2 (domains get a vGICv2), else null. */
    private HostGicv2 hostGicv2;
    private HostLpis hostLpis;
    private final List<HostIts> hostIts = new ArrayList<>();
    private IrqRouter router;
    private String rootGic;
    private final List<java.util.function.Consumer<XenDomain>> domuAttached =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Drops what the SMMUs cached of a domain's stage 2 (the PCI side's; wired by the component). */
    private volatile java.util.function.Consumer<XenDomain> iotlbFlush = d -> { };

    /** What one domain was given. */
    private record Attached(XenDomain domain, int slot, Vgic vgic, VirtualCpuInterface cpu, List<VirtualIts> its,
            List<DomainAddressSpace.Trap> traps, Map<Integer, Integer> deviceIds, Map<Integer, VpciDevice> devices,
            String[] msiMode, VirtualV2mFrame[] frame, Map<Integer, RemapMsiArch> remaps, DomuDoorbell doorbell,
            Map<Integer, BackendMsiArch> backends, Map<Integer, HostMsi> hostMsi) {
        Attached(XenDomain domain, int slot, Vgic vgic, VirtualCpuInterface cpu, List<VirtualIts> its,
                List<DomainAddressSpace.Trap> traps) {
            this(domain, slot, vgic, cpu, its, traps, new ConcurrentHashMap<>(), new ConcurrentHashMap<>(),
                    new String[] {"none"}, new VirtualV2mFrame[1], new ConcurrentHashMap<>(), new DomuDoorbell(),
                    new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        }
    }

    /** Where a DomU function's MSIs go on the host: its controller's node (null: the host ITS) and whether its DMA is translated. */
    private record HostMsi(String controller, boolean translated) {
    }

    /** Xen's vector allocators of the host MSI controllers it remaps through, by node. */
    private final Map<String, VectorPool> pools = new ConcurrentHashMap<>();
    /** One line per function trap-remap could not serve (its MSI hidden from the guest), counted. */
    private final List<String> remapRefusals = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param heap Xen's heap once it exists (at Dom0's construction)
     */
    public XenInterrupts(MachineInterrupts machineIrqs, Machine machine, Supplier<FrameAllocator> heap) {
        this.machineIrqs = machineIrqs;
        this.machine = machine;
        this.heap = heap;
    }

    /** Xen's trace points in the machine's registry; {@link XenTrace#OFF} until {@link #tracing} is called. */
    private volatile XenTrace trace = XenTrace.OFF;

    /**
     * Declares Xen's interrupt-side trace points ({@code xen_irq}, {@code xen_inject},
     * {@code xen_vits_command}) in {@code tracing}; before the first domain is attached.
     */
    public XenInterrupts tracing(Tracing tracing) {
        trace = new XenTrace(tracing);
        return this;
    }

    /** {@code gic_init} and {@code gicv3_its_init}: once, before the first domain. */
    private synchronized boolean startPhysical() {
        if (router != null) {
            return true;
        }
        rootGic = machineIrqs.rootInterruptController();
        DeviceTree host = machine.platform();
        if (rootGic == null) {
            // No root interrupt-parent (zynqmp.dtsi): gic_dt_preinit's search.
            DtNode found = HostTree.interruptController(host);
            rootGic = found == null ? null : found.path();
        }
        DtNode gic = rootGic == null ? null : host.node(rootGic);
        if (gic != null && gic.compatibles().stream().anyMatch(HostTree.GICV2_COMPATIBLES::contains)) {
            // gicv2_init: no LPIs, no ITS; MSIs come as SPIs through v2m frames.
            hostGicv2 = new HostGicv2(gic, machine.system());
            hostGicv2.init();
            hostGic = hostGicv2;
            final String path = rootGic;
            router = new IrqRouter(() -> machineIrqs.interruptControllers().get(path), null);
            router.trace(trace.irq);
            router.spiControl(hostGic::spiEnabled);
            machineIrqs.attachSink(path, router);
            return true;
        }
        if (gic == null || !gic.compatibles().contains(GICV3)) {
            LOG.warn("Xen: root interrupt controller {} is not a GIC Xen drives; domains get no virtual GIC",
                    gic == null ? "(none)" : gic.compatibles());
            return false;
        }
        FrameAllocator h = heap.get();
        if (h == null) {
            throw new IllegalStateException("Xen's heap does not exist yet: the GIC tables have nowhere to go");
        }
        HeapPages pages = new HeapPages(h);
        HostGic v3 = new HostGic(gic, machine.system(), machine.memory(), pages);
        v3.init();
        hostGic = v3;
        hostLpis = v3.lpis() ? new HostLpis(v3.lpiLimit()) : null;
        if (hostLpis != null) {
            for (DtNode n : host.nodes()) {
                if (n.isEnabled() && n.compatibles().contains(ITS) && !n.reg().isEmpty()) {
                    HostIts its = new HostIts(n.path(), n.reg().get(0).address(), machine.system(), machine.memory(),
                            pages, v3, hostLpis);
                    its.init();
                    hostIts.add(its);
                }
            }
        }
        final String path = rootGic;
        router = new IrqRouter(() -> machineIrqs.interruptControllers().get(path), hostLpis);
        router.trace(trace.irq);
        router.spiControl(hostGic::spiEnabled);
        machineIrqs.attachSink(path, router);
        return true;
    }

    /** Dom0's vGIC at the host's GIC addresses, one vITS per host ITS. */
    public GuestInterrupts attachDom0(XenDomain dom0) {
        if (!startPhysical()) {
            return none();
        }
        if (hostGicv2 != null) {
            return attachDom0v2(dom0);
        }
        DtNode gic = machine.platform().node(rootGic);
        List<RegEntry> reg = gic.reg();
        int slot = dom0.id() + 1;
        DomainMemory memory = new DomainMemory(dom0.p2m(), machine.memory());
        Vgic vgic = new Vgic("d" + dom0.id(), dom0.vcpus(), hostGic.lines() - Vgic.PRIVATE, Math.min(16,
                hostGic.idBits()), !hostIts.isEmpty(), memory, router);
        vgic.runTime(dom0.cpuTime());
        vgic.trace(trace.inject);
        List<DomainAddressSpace.Trap> traps = new ArrayList<>();
        DomainAddressSpace space = dom0.ipaSpace();
        Vgicv3Distributor dist = new Vgicv3Distributor(vgic);
        Vgicv3Redistributors rdist = new Vgicv3Redistributors(vgic);
        traps.add(space.addTrap(reg.get(0).address(), Vgicv3Distributor.SIZE, "vGICD", dist::access));
        traps.add(space.addTrap(reg.get(1).address(), Math.max(reg.get(1).size(), rdist.size()), "vGICR",
                rdist::access));
        List<VirtualIts> its = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (HostIts h : hostIts) {
            VirtualIts v = new VirtualIts(vgic, memory, h, hostLpis, slot, true);
            v.trace(trace.vitsCommand);
            v.foreignDevices(assignedElsewhere::containsKey);
            traps.add(space.addTrap(h.base(), VirtualIts.SIZE, "vITS", v::access));
            its.add(v);
            // vgic_v3_its_init_virtual: the doorbell page is mapped 1:1 for the domain's devices (the
            // P2M is the SMMU's stage 2 too), so their MSI writes reach the host GITS_TRANSLATER.
            long page = h.doorbell() & -DOORBELL_PAGE;
            dom0.p2m().map(page, page, DOORBELL_PAGE, P2mType.MMIO_DIRECT_DEV);
        }
        router.addDomain(slot, vgic, true);
        Attached a = new Attached(dom0, slot, vgic, new VirtualCpuInterface(vgic), its, traps);
        attached.put(dom0.id(), a);
        routeDom0Spis(dom0);
        LOG.info("Xen: d{}: vGICv3 at 0x{} with {} SPIs, {} vITS", dom0.id(), Long.toHexString(reg.get(0).address()),
                vgic.lines() - Vgic.PRIVATE, its.size());
        return new DomainInterrupts(a);
    }

    /**
     * Dom0's vGICv2 ({@code vgic_v2_domain_init} for the hardware domain): the distributor trapped at
     * the host's GICD address, the CPU interface at the host's GICC address (Xen maps GICV there),
     * every SPI of the host; then {@code gicv2_map_hwdom_extra_mappings}: each v2m frame's SPIs
     * edge-triggered and routed 1:1 to Dom0 (the frame itself is mapped 1:1 with Dom0's other
     * MMIO), so Dom0's MSIs need no trapping.
     */
    private GuestInterrupts attachDom0v2(XenDomain dom0) {
        List<RegEntry> reg = machine.platform().node(rootGic).reg();
        int slot = dom0.id() + 1;
        Vgic vgic = new Vgic("d" + dom0.id(), dom0.vcpus(), hostGic.lines() - Vgic.PRIVATE, 10, false,
                new DomainMemory(dom0.p2m(), machine.memory()), router);
        vgic.runTime(dom0.cpuTime());
        vgic.trace(trace.inject);
        VirtualCpuInterface cpu = new VirtualCpuInterface(vgic);
        DomainAddressSpace space = dom0.ipaSpace();
        List<DomainAddressSpace.Trap> traps = new ArrayList<>();
        traps.add(space.addTrap(reg.get(0).address(), Vgicv2Distributor.SIZE, "vGICD", new Vgicv2Distributor(vgic)::access));
        traps.add(space.addTrap(reg.get(1).address(), Math.max(reg.get(1).size(), Vgicv2CpuInterface.SIZE), "vGICC",
                new Vgicv2CpuInterface(vgic, cpu)::access));
        router.addDomain(slot, vgic, true);
        Attached a = new Attached(dom0, slot, vgic, cpu, new java.util.concurrent.CopyOnWriteArrayList<>(), traps);
        attached.put(dom0.id(), a);
        for (HostGicv2.V2mFrame f : hostGicv2.v2mFrames()) {
            LOG.info("GICv2: Mapping v2m frame to d{}: addr=0x{} size=0x{} spi_base={} num_spis={}", dom0.id(),
                    Long.toHexString(f.address()), Long.toHexString(f.size()), f.spiStart(), f.spis());
            for (int spi = f.spiStart(); spi < f.spiStart() + f.spis(); spi++) {
                hostGic.spiEdge(spi, true); // MSIs are edge-triggered
                routeSpi(dom0, spi);
            }
        }
        routeDom0Spis(dom0);
        LOG.info("Xen: d{}: vGICv2 at 0x{} with {} SPIs", dom0.id(), Long.toHexString(reg.get(0).address()),
                vgic.lines() - Vgic.PRIVATE);
        return new DomainInterrupts(a);
    }

    /** {@code map_device_irqs_to_domain}: the SPIs of every device node Dom0 gets, 1:1. */
    private void routeDom0Spis(XenDomain dom0) {
        for (DtNode n : machine.platform().nodes()) {
            if (!n.isEnabled() || HostTree.isGic(n) || HostTree.isXenIommu(n) || !n.has("interrupts")) {
                continue;
            }
            List<DtInterrupt> irqs;
            try {
                irqs = n.interrupts();
            } catch (RuntimeException e) {
                LOG.warn("Xen: {}: unreadable interrupts: {}", n.path(), e.getMessage());
                continue;
            }
            for (DtInterrupt irq : irqs) {
                if (irq.parent() == null || !rootGic.equals(irq.parent().path()) || irq.cellCount() < 3
                        || irq.cell(0) != 0) {
                    continue;
                }
                int spi = (int) irq.cell(1) + 32;
                if (spi < hostGic.lines() && router.spiOwner(spi) == 0) {
                    hostGic.spiEdge(spi, (irq.cell(2) & 0x3) != 0);
                    routeSpi(dom0, spi);
                }
            }
        }
    }

    /** A DomU's vGIC at Xen's guest layout; its MSIs as its {@code domu-msi} policy says ({@code none} first). */
    public GuestInterrupts attachDomU(XenDomain domU) {
        if (!startPhysical()) {
            return none();
        }
        int slot = domU.id() + 1;
        DomainMemory memory = new DomainMemory(domU.p2m(), machine.memory());
        if (hostGicv2 != null) {
            // vgic_v2_domain_init for a DomU: GUEST_GICD_BASE / GUEST_GICC_BASE, no LPIs, no MSIs.
            Vgic vgic = new Vgic("d" + domU.id(), domU.vcpus(), DOMU_SPIS, DOMU_ID_BITS, false, memory, router);
            vgic.runTime(domU.cpuTime());
            vgic.trace(trace.inject);
            VirtualCpuInterface cpu = new VirtualCpuInterface(vgic);
            List<DomainAddressSpace.Trap> traps = new ArrayList<>();
            traps.add(domU.ipaSpace().addTrap(GuestLayout.GICV2_GICD_BASE, GuestLayout.GICV2_GICD_SIZE, "vGICD",
                    new Vgicv2Distributor(vgic)::access));
            traps.add(domU.ipaSpace().addTrap(GuestLayout.GICV2_GICC_BASE, GuestLayout.GICV2_GICC_SIZE, "vGICC",
                    new Vgicv2CpuInterface(vgic, cpu)::access));
            router.addDomain(slot, vgic, false);
            Attached a = new Attached(domU, slot, vgic, cpu, new java.util.concurrent.CopyOnWriteArrayList<>(),
                    new java.util.concurrent.CopyOnWriteArrayList<>(traps));
            attached.put(domU.id(), a);
            domuAttached.forEach(c -> c.accept(domU));
            return new DomainInterrupts(a);
        }
        // LPIs are there whatever the domu-msi policy, so that switching to a virtual ITS live needs
        // no other GIC; under `none` the guest's tree has no ITS and nothing uses them.
        boolean lpis = hostLpis != null && !hostIts.isEmpty();
        Vgic vgic = new Vgic("d" + domU.id(), domU.vcpus(), DOMU_SPIS, lpis ? DOMU_LPI_ID_BITS : DOMU_ID_BITS, lpis,
                memory, router);
        vgic.runTime(domU.cpuTime());
        vgic.trace(trace.inject);
        DomainAddressSpace space = domU.ipaSpace();
        List<DomainAddressSpace.Trap> traps = new ArrayList<>();
        Vgicv3Distributor dist = new Vgicv3Distributor(vgic);
        Vgicv3Redistributors rdist = new Vgicv3Redistributors(vgic);
        traps.add(space.addTrap(GuestLayout.GICV3_GICD_BASE, GuestLayout.GICV3_GICD_SIZE, "vGICD", dist::access));
        traps.add(space.addTrap(GuestLayout.GICV3_GICR0_BASE, Math.max(GuestLayout.GICV3_GICR0_SIZE, rdist.size()),
                "vGICR", rdist::access));
        router.addDomain(slot, vgic, false);
        Attached a = new Attached(domU, slot, vgic, new VirtualCpuInterface(vgic),
                new java.util.concurrent.CopyOnWriteArrayList<>(), new java.util.concurrent.CopyOnWriteArrayList<>(traps));
        attached.put(domU.id(), a);
        domuAttached.forEach(c -> c.accept(domU));
        return new DomainInterrupts(a);
    }

    /**
     * {@code route_irq_to_guest}: physical SPI {@code intid} becomes the domain's virtual SPI of
     * the same number, with the HW bit (taken on physical CPU 0, where Xen routes SPIs).
     *
     * @throws IllegalArgumentException if the domain has no vGIC here, the INTID is no SPI of
     *                                  both GICs, or the SPI is routed already
     */
    public void routeSpi(XenDomain domain, int intid) {
        Attached a = attached.get(domain.id());
        if (a == null) {
            throw new IllegalArgumentException(domain + " has no virtual GIC");
        }
        if (intid < 32 || intid >= hostGic.lines()) {
            throw new IllegalArgumentException("IRQ " + intid + " is not an SPI of the host GIC");
        }
        a.vgic().mapHardware(intid, intid, 0);
        try {
            router.routeSpi(intid, a.slot(), intid);
        } catch (IllegalArgumentException e) {
            a.vgic().unmapHardware(intid);
            throw e;
        }
        hostGic.spiRoute(intid, 0);
    }

    /**
     * Tells the interrupt subsystem who owns the device with host DeviceID {@code deviceId} now
     * (xpci, on assignment): a DomU owner means its MSIs, still translated by the host ITS from
     * Dom0's mapping, are dropped as {@link org.trapdoor.api.irq.DropReason#DOMU_NO_MSI}; null
     * (quarantine) drops them as unmapped. Dom0 as owner changes nothing: its vITS maps it anew.
     * While a DomU owns it, Dom0's vITS refuses to MAPD it.
     */
    public void deviceOwner(int deviceId, XenDomain owner) {
        if (owner != null && owner.hardwareDomain()) {
            assignedElsewhere.remove(deviceId);
            return;
        }
        if (owner != null) {
            assignedElsewhere.put(deviceId, owner.id());
        } else {
            assignedElsewhere.remove(deviceId);
        }
        if (hostLpis != null) {
            reroute(hostIts, hostLpis, deviceId, owner == null ? 0 : owner.id() + 1);
        }
    }

    /** Every host LPI of the device to the domain in {@code slot} with no virtual LPI (0: nobody). */
    static void reroute(List<HostIts> its, HostLpis lpis, int deviceId, int slot) {
        for (HostIts h : its) {
            HostIts.Device d = h.device(deviceId);
            if (d != null) {
                for (int e = 0; e < d.events(); e++) {
                    lpis.setRoute(d.hostLpi(e), slot == 0 ? 0 : HostLpis.route(slot, 0, HostLpis.NO_VIRQ));
                }
            }
        }
    }

    /**
     * xpci, on assigning a function to a DomU: the virtual DeviceID its tree's {@code msi-map}
     * gives the function (from its virtual RID) is the host DeviceID {@code physicalDeviceId}.
     */
    public void mapDeviceId(XenDomain domU, int virtualDeviceId, int physicalDeviceId) {
        Attached a = require(domU);
        for (HostIts h : hostIts) {
            HostIts.Device d = h.device(physicalDeviceId);
            if (d != null && d.domainSlot() != a.slot()) {
                // What the previous owner (Dom0) mapped goes, so that the DomU's MAPD can map it
                // for itself; until it does, the device's MSIs are unmapped at the host ITS.
                h.unmapDevice(physicalDeviceId);
            }
        }
        a.deviceIds().put(virtualDeviceId, physicalDeviceId);
        deviceOwner(physicalDeviceId, domU);
    }

    /**
     * xpci, once a function is assigned to a DomU (its vPCI view exists, the guest has not yet
     * seen it): the virtual DeviceID its tree's {@code msi-map} gives it maps to the host's
     * ({@link #mapDeviceId}), and its MSI capability is set up for the mechanism in force: hidden
     * ({@code none}, upstream) or trapped with the guest's values passed to the device
     * ({@code vits}, MSI-X hidden: only MSI is trapped).
     */
    public void deviceAssigned(XenDomain domU, VpciDevice vpci, int virtualDeviceId, int physicalDeviceId) {
        deviceAssigned(domU, vpci, virtualDeviceId, physicalDeviceId, null, true);
    }

    /**
     * As {@link #deviceAssigned(XenDomain, VpciDevice, int, int)}, knowing the host MSI controller
     * node its bridge names ({@code controller}; null: the host ITS) and whether an IOMMU Xen drives
     * translates its writes.
     */
    public void deviceAssigned(XenDomain domU, VpciDevice vpci, int virtualDeviceId, int physicalDeviceId,
            String controller, boolean translated) {
        Attached a = require(domU);
        synchronized (a) {
            a.devices().put(virtualDeviceId, vpci);
            a.hostMsi().put(virtualDeviceId, new HostMsi(controller, translated));
            mapDeviceId(domU, virtualDeviceId, physicalDeviceId);
            prepare(a, virtualDeviceId, vpci, a.msiMode()[0]);
        }
    }

    /** xpci, before a function leaves a DomU (detach, destroy): its trap goes and its DeviceID is unmapped. */
    public void deviceDetached(XenDomain domU, int virtualDeviceId) {
        Attached a = attached.get(domU.id());
        if (a == null) {
            return;
        }
        synchronized (a) {
            VpciDevice v = a.devices().remove(virtualDeviceId);
            if (v != null) {
                v.untrapMsi();
            }
            RemapMsiArch r = a.remaps().remove(virtualDeviceId);
            if (r != null) {
                r.release();
            }
            BackendMsiArch b = a.backends().remove(virtualDeviceId);
            if (b != null) {
                b.release();
            }
            a.hostMsi().remove(virtualDeviceId);
            unmapDeviceId(domU, virtualDeviceId);
        }
    }

    /**
     * A device's vPCI MSI view for {@code mode}. A device whose MSI is trapped already keeps its
     * trap when the domain switches to {@code none} (the guest programmed it; its MSIs are then
     * dropped as {@code DOMU_NO_MSI} by the router, and delivered again on a switch back).
     */
    private void prepare(Attached a, int virtualDeviceId, VpciDevice v, String mode) {
        if ("none".equals(mode)) {
            if (v.msi() == null) {
                v.hideMsi(true);
            }
            return;
        }
        v.hideMsi(false);
        v.hideMsix(true);
        MsiArch want;
        if ("vits".equals(mode)) {
            if (v.msi() != null && !(a.remaps().containsKey(virtualDeviceId))) {
                return; // trapped for vits already
            }
            want = new DirectMsiArch();
        } else {
            if ((a.remaps().containsKey(virtualDeviceId) || a.backends().containsKey(virtualDeviceId))
                    && v.msi() != null) {
                return;
            }
            Integer p = a.deviceIds().get(virtualDeviceId);
            if (p == null || a.frame()[0] == null) {
                return;
            }
            HostMsi host = a.hostMsi().getOrDefault(virtualDeviceId, new HostMsi(null, true));
            if (!viaHostIts(host)) {
                BackendMsiArch b = backendArch(a, virtualDeviceId, v, host);
                if (b == null) {
                    v.hideMsi(true); // the refusal is said and counted: the guest sees no MSI to use
                    return;
                }
                if (v.msi() != null) {
                    v.untrapMsi();
                }
                a.backends().put(virtualDeviceId, b);
                trap(v, b);
                return;
            }
            if (hostIts.isEmpty()) {
                return;
            }
            RemapMsiArch r = new RemapMsiArch(hostIts.get(0), hostLpis, p, a.slot(), a.frame()[0],
                    GUEST_V2M_BASE + VirtualV2mFrame.MSI_SETSPI_NS,
                    GUEST_DOORBELL_BASE + (hostIts.get(0).doorbell() & (DOORBELL_PAGE - 1)));
            a.remaps().put(virtualDeviceId, r);
            want = r;
        }
        if (v.msi() != null) {
            v.untrapMsi(); // only before the guest boots: the other kind of controller is in its tree
        }
        if (!(want instanceof RemapMsiArch)) {
            RemapMsiArch old = a.remaps().remove(virtualDeviceId);
            if (old != null) {
                old.release();
            }
            BackendMsiArch oldBackend = a.backends().remove(virtualDeviceId);
            if (oldBackend != null) {
                oldBackend.release();
            }
        }
        trap(v, want);
    }

    private static void trap(VpciDevice v, MsiArch want) {
        try {
            v.trapMsi(want);
        } catch (IllegalStateException e) {
            LOG.info("{}: {}", v, e.getMessage()); // no MSI capability: nothing to trap
        }
    }

    /** Whether the function's MSIs reach a host ITS (the EventID tells its vectors apart). */
    private boolean viaHostIts(HostMsi host) {
        if (host.controller() == null) {
            return !hostIts.isEmpty();
        }
        DtNode n = machine.platform().node(host.controller());
        return n != null && n.compatibles().contains(ITS) && !hostIts.isEmpty();
    }

    /**
     * Trap-remap through a controller without DeviceIDs: its bound model's backend, Xen's pool of
     * its vectors, the doorbell as the device reaches it. Null (with the reason said once and
     * counted) when the controller offers no backend.
     */
    private BackendMsiArch backendArch(Attached a, int virtualDeviceId, VpciDevice v, HostMsi host) {
        String node = host.controller();
        org.trapdoor.api.irq.MsiController model = node == null ? null : machineIrqs.msiControllers().get(node);
        org.trapdoor.api.irq.MsiRemapBackend backend = model == null ? null : model.remapBackend(machine.system());
        String why = null;
        if (node == null) {
            why = "its bridge names no MSI controller";
        } else if (model == null) {
            why = node + " has no model bound";
        } else if (backend == null) {
            why = node + " (" + model.description() + ") cannot tell its vectors apart for Xen";
        }
        if (why != null) {
            String line = String.format("d%d: trap-remap: %s at virtual DeviceID 0x%x gets no MSI: %s", a.domain().id(),
                    v, virtualDeviceId, why);
            remapRefusals.add(line);
            LOG.warn("Xen: {}", line);
            return null;
        }
        final org.trapdoor.api.irq.MsiRemapBackend b = backend;
        // One pool per controller node for Xen's lifetime (a model swapped under it keeps the vectors Xen holds).
        VectorPool pool = pools.computeIfAbsent(node, k -> new VectorPool(b,
                b.signalIdentifiesVector() ? vector -> spiFree(b.signal(vector)) : vector -> true));
        java.util.function.LongUnaryOperator address = host.translated() ? pa -> {
            // The device's writes are translated by the stage 2: the doorbell's page at Xen's IPA
            // (mapped under the `map` doorbell policy, left out under `abort-sanitise`).
            if (DomuDoorbell.MAP.equals(a.doorbell().mode)) {
                a.domain().p2m().map(GUEST_DOORBELL_BASE, pa & -DOORBELL_PAGE, DOORBELL_PAGE, P2mType.MMIO_DIRECT_DEV);
            }
            return GUEST_DOORBELL_BASE + (pa & (DOORBELL_PAGE - 1));
        } : pa -> pa;
        return new BackendMsiArch(pool, signalRoutes(a), a.frame()[0], GUEST_V2M_BASE + VirtualV2mFrame.MSI_SETSPI_NS,
                address);
    }

    /** A host SPI Xen may take for a DomU: nobody's, or the hardware domain's while it has not enabled it. */
    private boolean spiFree(int spi) {
        if (spi < 32 || spi >= hostGic.lines()) {
            return false;
        }
        int owner = router.spiOwner(spi);
        if (owner == 0) {
            return true;
        }
        Attached d0 = hardwareDomain();
        return d0 != null && owner == d0.slot() && !d0.vgic().spiEnabled(spi);
    }

    private Attached hardwareDomain() {
        for (Attached x : attached.values()) {
            if (x.domain().hardwareDomain()) {
                return x;
            }
        }
        return null;
    }

    /**
     * Where a controller's vector goes once it fires, for one DomU: its SPI is taken from the
     * hardware domain (which had every v2m SPI, {@code gicv2_map_hwdom_extra_mappings}) and routed
     * with the HW bit to the guest's SPI, edge-triggered; given back on unroute.
     */
    private BackendMsiArch.SignalRoutes signalRoutes(Attached a) {
        return new BackendMsiArch.SignalRoutes() {
            @Override
            public boolean route(VectorPool pool, int vector, int guestSpi) {
                if (!pool.backend().signalIdentifiesVector()) {
                    return shared(pool).route(vector, a.slot(), guestSpi);
                }
                int spi = pool.backend().signal(vector);
                synchronized (XenInterrupts.this) {
                    if (!spiFree(spi)) {
                        return false;
                    }
                    Attached d0 = hardwareDomain();
                    if (d0 != null && router.unrouteSpi(spi, d0.slot())) {
                        d0.vgic().unmapHardware(spi);
                    }
                    try {
                        a.vgic().mapHardware(guestSpi, spi, 0);
                    } catch (IllegalArgumentException e) {
                        giveBack(spi);
                        return false;
                    }
                    router.routeSpi(spi, a.slot(), guestSpi | IrqRouter.MSI_ROUTE);
                    hostGic.spiEdge(spi, true); // MSIs are edge-triggered
                    hostGic.spiRoute(spi, 0);
                    if (a.vgic().spiEnabled(guestSpi)) {
                        hostGic.spiEnabled(spi, true);
                    }
                    return true;
                }
            }

            @Override
            public void unroute(VectorPool pool, int vector, int guestSpi) {
                if (!pool.backend().signalIdentifiesVector()) {
                    shared(pool).unroute(vector);
                    return;
                }
                int spi = pool.backend().signal(vector);
                synchronized (XenInterrupts.this) {
                    if (router.unrouteSpi(spi, a.slot())) {
                        a.vgic().unmapHardware(guestSpi);
                        giveBack(spi);
                    }
                }
            }
        };
    }

    private final Map<VectorPool, SharedSignals> shared = new ConcurrentHashMap<>();

    private SharedSignals shared(VectorPool pool) {
        return shared.computeIfAbsent(pool, SharedSignals::new);
    }

    /**
     * A controller whose vectors share SPIs (a status bitmap, read-to-clear index registers, a
     * FIFO): Xen takes each such SPI first ({@link IrqRouter.SpiDemux}), asks the backend which of
     * its vectors fired and injects each one's guest SPI from a table indexed by vector; the SPI
     * goes on to the hardware domain (its 1:1 route, with the HW bit) when the backend says its
     * driver has work. The hardware domain's accesses to the registers that would show or
     * acknowledge Xen's vectors are trapped and filtered by the backend.
     */
    private final class SharedSignals implements IrqRouter.SpiDemux, org.trapdoor.api.irq.MsiRemapBackend.Fired {
        private final VectorPool pool;
        private final org.trapdoor.api.irq.MsiRemapBackend backend;
        /** Per vector: slot << 32 | guest SPI; 0 for none. */
        private final java.util.concurrent.atomic.AtomicLongArray routes;
        private boolean hostTrapped;

        SharedSignals(VectorPool pool) {
            this.pool = pool;
            this.backend = pool.backend();
            this.routes = new java.util.concurrent.atomic.AtomicLongArray(backend.vectors());
        }

        synchronized boolean route(int vector, int slot, int guestSpi) {
            if (vector < 0 || vector >= routes.length()) {
                return false;
            }
            routes.set(vector, (long) slot << 32 | guestSpi);
            backend.enable(vector, true); // a controller with per-vector enables (NWL's mask)
            int spi = backend.signal(vector);
            router.demux(spi, this);
            hostGic.spiRoute(spi, 0);
            hostGic.spiEnabled(spi, true); // Xen takes it whether or not Dom0 enabled it
            Attached d0 = hardwareDomain();
            long[] window = backend.hostWindow();
            if (!hostTrapped && d0 != null && window != null) {
                d0.traps().add(d0.domain().ipaSpace().addTrap(window[0], window[1], "msi-" + backend.kind(),
                        tx -> backend.hostAccess(tx, pool.claimed(), this)));
                hostTrapped = true;
            }
            return true;
        }

        void unroute(int vector) {
            if (vector >= 0 && vector < routes.length()) {
                routes.set(vector, 0);
                backend.enable(vector, false);
            }
        }

        @Override
        public boolean take(int spi) {
            return backend.take(spi, pool.claimed(), this);
        }

        @Override
        public void vector(int vector) {
            long r = routes.get(vector);
            if (r == 0) {
                router.ledger().record(org.trapdoor.api.irq.DropReason.NO_GUEST_MAPPING);
            } else {
                router.deliverMsi((int) (r >>> 32), (int) r);
            }
        }
    }

    /** A v2m SPI Xen no longer uses goes back to the hardware domain, as it was at boot. */
    private void giveBack(int spi) {
        Attached d0 = hardwareDomain();
        if (d0 == null || hostGicv2 == null || router.spiOwner(spi) != 0) {
            return;
        }
        for (HostGicv2.V2mFrame f : hostGicv2.v2mFrames()) {
            if (spi >= f.spiStart() && spi < f.spiStart() + f.spis()) {
                d0.vgic().mapHardware(spi, spi, 0);
                router.routeSpi(spi, d0.slot(), spi);
                if (d0.vgic().spiEnabled(spi)) {
                    hostGic.spiEnabled(spi, true);
                }
                return;
            }
        }
    }

    /** One line per DomU function trap-remap could not serve (the guest sees no MSI on it). */
    public List<String> remapRefusals() {
        return List.copyOf(remapRefusals);
    }

    /** The trap-remap state of a DomU's function served through a controller's backend, or null. */
    public BackendMsiArch remapBackend(XenDomain domU, int virtualDeviceId) {
        Attached a = attached.get(domU.id());
        return a == null ? null : a.backends().get(virtualDeviceId);
    }

    /** Undoes {@link #mapDeviceId} (detach): what the domain's vITS mapped for it is unmapped on the host. */
    public void unmapDeviceId(XenDomain domU, int virtualDeviceId) {
        Attached a = require(domU);
        Integer p = a.deviceIds().remove(virtualDeviceId);
        if (p != null) {
            for (HostIts h : hostIts) {
                HostIts.Device d = h.device(p);
                if (d != null && d.domainSlot() == a.slot()) {
                    h.unmapDevice(p);
                }
            }
            deviceOwner(p, null);
        }
    }

    private Attached require(XenDomain d) {
        Attached a = attached.get(d.id());
        if (a == null) {
            throw new IllegalArgumentException(d + " has no virtual GIC");
        }
        return a;
    }

    /** Called with each DomU once its vGIC is attached (its domu-msi policy is applied then). */
    void onDomuAttached(java.util.function.Consumer<XenDomain> c) {
        domuAttached.add(c);
    }

    /** Who flushes the SMMUs' cached stage-2 translations of a domain after Xen unmaps a doorbell. */
    public void iotlbFlush(java.util.function.Consumer<XenDomain> flush) {
        this.iotlbFlush = flush == null ? d -> { } : flush;
    }

    /** The DomUs with a vGIC now. */
    List<XenDomain> domus() {
        List<XenDomain> out = new ArrayList<>();
        for (Attached a : attached.values()) {
            if (!a.domain().hardwareDomain()) {
                out.add(a.domain());
            }
        }
        return out;
    }

    /** The DomU's MSI path as a {@code domu-msi} policy sets it. */
    public DomuMsiPlumbing msiPlumbing(XenDomain domU) {
        Attached a = require(domU);
        if (domU.hardwareDomain()) {
            throw new IllegalArgumentException("the hardware domain's MSIs are not a DomU policy");
        }
        return new Plumbing(a);
    }

    /** The switch between the mechanisms: a volatile flag on the router, the vITS made once. */
    private final class Plumbing implements DomuMsiPlumbing {
        private final Attached a;

        Plumbing(Attached a) {
            this.a = a;
        }

        @Override
        public String domain() {
            return a.domain().name();
        }

        @Override
        public void noMsi() {
            synchronized (a) {
                // Quiesced in the order abortAndSanitise uses: first Xen drops (and counts as
                // DOMU_NO_MSI) whatever still reaches the host ITS, then the doorbell leaves the
                // device's stage 2 and the SMMU's cached translations of it go, so a later write
                // faults in the SMMU (counted there): no message is lost uncounted. With no MSI
                // mechanism in force nothing of the doorbell stays reachable by DMA.
                router.msiAllowed(a.slot(), false);
                a.msiMode()[0] = "none";
                a.devices().forEach((vdev, v) -> prepare(a, vdev, v, "none"));
                unmapDoorbells(a);
            }
        }

        @Override
        public void virtualIts() {
            synchronized (a) {
                if (a.vgic().dying()) {
                    throw new HypervisorException(domain() + " is being destroyed");
                }
                if (!a.vgic().hasLpis() || hostIts.isEmpty()) {
                    throw new HypervisorException(domain() + ": no ITS on this host, so no virtual ITS");
                }
                refuseOtherController("arm,gic-v3-its");
                if (a.its().isEmpty()) {
                    HostIts h = hostIts.get(0);
                    VirtualIts v = new VirtualIts(a.vgic(), new DomainMemory(a.domain().p2m(), machine.memory()), h,
                            hostLpis, a.slot(), false);
                    v.trace(trace.vitsCommand);
                    v.deviceMap(vdev -> a.deviceIds().getOrDefault(vdev, -1));
                    a.traps().add(a.domain().ipaSpace().addTrap(GUEST_ITS_BASE, VirtualIts.SIZE, "vITS", v::access));
                    // The guest's doorbell page is the host's (the `map` doorbell policy's default).
                    a.its().add(v);
                    if (a.domain().kernel() == null && a.domain().deviceTree() != null) {
                        // Built now, before the guest boots: libxl writes the vITS into its tree
                        // (a guest that booted without one keeps its MSI set-up: no hot-plug of
                        // an interrupt controller's node).
                        DomUDeviceTree.addIts(a.domain().deviceTree(), GUEST_ITS_BASE, GUEST_ITS_SIZE);
                    }
                }
                // The `map` doorbell policy: the doorbell page in the device's stage 2 before Xen
                // takes the messages again (mapped anew after a spell under `none`).
                if (DomuDoorbell.MAP.equals(a.doorbell().mode)) {
                    mapDoorbells(a);
                }
                router.msiAllowed(a.slot(), true);
                a.msiMode()[0] = "vits";
                a.devices().forEach((vdev, v) -> prepare(a, vdev, v, "vits"));
            }
        }

        @Override
        public void trapAndRemap() {
            synchronized (a) {
                if (a.vgic().dying()) {
                    throw new HypervisorException(domain() + " is being destroyed");
                }
                if (hostIts.isEmpty() && backendControllers().isEmpty()) {
                    throw new HypervisorException(domain() + ": trap-remap needs a host ITS or an MSI controller "
                            + "that can tell its vectors apart for Xen; this host has neither ("
                            + String.join(", ", machineIrqs.msiControllers().keySet()) + ")");
                }
                refuseOtherController("arm,gic-v2m-frame");
                if (a.frame()[0] == null) {
                    VirtualV2mFrame f = new VirtualV2mFrame(a.vgic(), GUEST_V2M_FIRST_SPI, GUEST_V2M_SPIS);
                    a.traps().add(a.domain().ipaSpace().addTrap(GUEST_V2M_BASE, VirtualV2mFrame.SIZE, "vGICv2m",
                            f::access));
                    a.frame()[0] = f;
                    if (a.domain().kernel() == null && a.domain().deviceTree() != null) {
                        DomUDeviceTree.addV2mFrame(a.domain().deviceTree(), GUEST_V2M_BASE, VirtualV2mFrame.SIZE,
                                GUEST_V2M_FIRST_SPI, GUEST_V2M_SPIS);
                    }
                }
                if (DomuDoorbell.MAP.equals(a.doorbell().mode)) {
                    // The `map` doorbell policy: the host doorbell page in the domain's stage 2, so
                    // the device's writes of Xen's messages reach the host ITS (again after `none`).
                    mapDoorbells(a);
                }
                router.msiAllowed(a.slot(), true);
                a.msiMode()[0] = "trap-remap";
                a.devices().forEach((vdev, v) -> prepare(a, vdev, v, "trap-remap"));
            }
        }

        /**
         * A guest that booted with one kind of MSI controller in its tree cannot be handed the
         * other: no interrupt-controller node is hot-plugged into a running guest's tree.
         */
        private void refuseOtherController(String wanted) {
            XenDomain d = a.domain();
            DtNode m = d.deviceTree() == null ? null : DomUDeviceTree.msiController(d.deviceTree());
            if (d.kernel() != null && m != null && !m.compatibles().contains(wanted)) {
                throw new HypervisorException(domain() + " booted with " + m.compatibles().get(0) + " at " + m.path()
                        + " in its tree; " + wanted + " cannot be hot-plugged into a running guest");
            }
        }

        @Override
        public String active() {
            return a.msiMode()[0];
        }
    }

    /** The host MSI controllers whose bound model offers Xen a trap-remap backend. */
    private List<String> backendControllers() {
        List<String> out = new ArrayList<>();
        machineIrqs.msiControllers().forEach((node, m) -> {
            if (m != null && m.remapBackend(machine.system()) != null) { // null: a node with no model bound
                out.add(node);
            }
        });
        return out;
    }

    /** The IPAs of the domain's doorbell pages (one per mechanism set up) and the host page each maps. */
    private List<long[]> doorbellPages(Attached a) {
        List<long[]> out = new ArrayList<>(2);
        if (hostIts.isEmpty()) {
            return out;
        }
        HostIts h = hostIts.get(0);
        long host = h.doorbell() & -DOORBELL_PAGE;
        if (!a.its().isEmpty()) {
            out.add(new long[] {GUEST_ITS_BASE + (h.doorbell() - h.base() & -DOORBELL_PAGE), host});
        }
        if (a.frame()[0] != null) {
            out.add(new long[] {GUEST_DOORBELL_BASE, host});
        }
        return out;
    }

    private void mapDoorbells(Attached a) {
        for (long[] p : doorbellPages(a)) {
            a.domain().p2m().map(p[0], p[1], DOORBELL_PAGE, P2mType.MMIO_DIRECT_DEV);
        }
    }

    /** Takes the doorbell pages out of the domain's stage 2 and the SMMUs' cached translations. */
    private void unmapDoorbells(Attached a) {
        List<long[]> pages = doorbellPages(a);
        if (pages.isEmpty()) {
            return;
        }
        for (long[] p : pages) {
            a.domain().p2m().unmap(p[0], DOORBELL_PAGE);
        }
        iotlbFlush.accept(a.domain());
    }

    /** The domain's doorbell choice and what its fault path recovered. */
    public DomuDoorbell doorbell(XenDomain domU) {
        return require(domU).doorbell();
    }

    /** The DomU's doorbell as a {@code doorbell} policy sets it. */
    public org.trapdoor.api.hypervisor.DoorbellPlumbing doorbellPlumbing(XenDomain domU) {
        Attached a = require(domU);
        if (domU.hardwareDomain()) {
            throw new IllegalArgumentException("the hardware domain's doorbell is not a DomU policy");
        }
        return new org.trapdoor.api.hypervisor.DoorbellPlumbing() {
            @Override
            public String domain() {
                return a.domain().name();
            }

            @Override
            public void mapDoorbell() {
                synchronized (a) {
                    a.doorbell().mode = DomuDoorbell.MAP;
                    if (!"none".equals(a.msiMode()[0])) {
                        mapDoorbells(a); // under `none` it is mapped when a mechanism comes back
                    }
                }
            }

            @Override
            public void abortAndSanitise() {
                synchronized (a) {
                    if (a.vgic().dying()) {
                        throw new HypervisorException(domain() + " is being destroyed");
                    }
                    // The order matters: from the switch on, a device write to the doorbell faults
                    // and reaches writeFaulted, which forwards it (or counts it): none is lost silently.
                    a.doorbell().mode = DomuDoorbell.ABORT_SANITISE;
                    unmapDoorbells(a);
                }
            }

            @Override
            public String active() {
                return a.doorbell().mode;
            }
        };
    }

    /**
     * The SMMU reported a faulting write of a DomU's function (its event queue, drained by Xen's
     * tasklet). Under {@code abort-sanitise}, a write to the domain's unmapped doorbell is the
     * device's MSI: with its data (the SMMU's FAULT_WDATA capability) Xen checks it against the MSI
     * state the guest programmed and forwards a legitimate one to the host ITS ({@code INT}), and
     * counts a forged one as refused; without the data it cannot tell which message it was, and
     * the message is lost, counted.
     */
    public void writeFaulted(XenDomain domU, int virtualDeviceId, long address, boolean captured, int data) {
        Attached a = attached.get(domU.id());
        if (a == null || hostIts.isEmpty() || !DomuDoorbell.ABORT_SANITISE.equals(a.doorbell().mode)) {
            return;
        }
        HostIts h = hostIts.get(0);
        boolean vitsDoorbell = !a.its().isEmpty() && address == GUEST_ITS_BASE + (h.doorbell() - h.base());
        boolean remapDoorbell = a.frame()[0] != null
                && address == GUEST_DOORBELL_BASE + (h.doorbell() & (DOORBELL_PAGE - 1));
        if (!vitsDoorbell && !remapDoorbell) {
            return; // an ordinary DMA fault, counted against the domain already
        }
        DomuDoorbell db = a.doorbell();
        if (!captured) {
            db.lost.increment();
            return;
        }
        Integer p = a.deviceIds().get(virtualDeviceId);
        boolean legitimate = false;
        if (p != null) {
            if (remapDoorbell) {
                RemapMsiArch r = a.remaps().get(virtualDeviceId);
                legitimate = r != null && r.legitimate(data);
            } else {
                HostIts.Device d = h.device(p);
                legitimate = d != null && d.domainSlot() == a.slot() && data >= 0 && data < d.events();
            }
        }
        if (legitimate && h.interrupt(p, data)) {
            db.forwarded.increment();
        } else {
            db.refused.increment();
        }
    }

    /** The trap-remap state of a DomU's function (by virtual DeviceID), or null. */
    public RemapMsiArch remap(XenDomain domU, int virtualDeviceId) {
        Attached a = attached.get(domU.id());
        return a == null ? null : a.remaps().get(virtualDeviceId);
    }

    /** The DomU's GICv2m-style frame under trap-remap, or null. */
    public VirtualV2mFrame v2mFrame(XenDomain domU) {
        Attached a = attached.get(domU.id());
        return a == null ? null : a.frame()[0];
    }

    /** The domain is being destroyed: its traps and routes go, its vIRQs are dropped. */
    public void destroy(XenDomain domain) {
        Attached a = attached.remove(domain.id());
        if (a == null) {
            return;
        }
        a.vgic().destroy();
        for (VirtualIts v : a.its()) {
            v.destroy();
        }
        router.removeDomain(a.slot());
        for (DomainAddressSpace.Trap t : a.traps()) {
            domain.ipaSpace().removeTrap(t);
        }
    }

    /** Every physical SPI and LPI Xen took for a guest, with its fate (see {@link IrqRouter}). */
    public InterruptCounters ledger() {
        return router == null ? new InterruptCounters() : router.ledger();
    }

    /** The domain's virtual CPU interface, or null. */
    public VirtualCpuInterface cpuInterface(XenDomain d) {
        Attached a = attached.get(d.id());
        return a == null ? null : a.cpu();
    }

    /** The domain's virtual ITSes (Dom0's: one per host ITS). */
    public List<VirtualIts> virtualIts(XenDomain d) {
        Attached a = attached.get(d.id());
        return a == null ? List.of() : a.its();
    }

    /** Xen's ITS drivers, one per host ITS. */
    public List<HostIts> hostIts() {
        return List.copyOf(hostIts);
    }

    /** One line per domain's vGIC and vITS, then the ledger: for the {@code xen} shell command. */
    public List<String> summary() {
        List<String> out = new ArrayList<>();
        for (Attached a : attached.values()) {
            out.add(a.vgic().toString());
            for (VirtualIts v : a.its()) {
                out.add(v.toString());
            }
        }
        pools.forEach((node, pool) -> out.add(String.format("trap-remap: %s (%s): %d of %d vector(s) held by Xen",
                node, pool.backend().kind(), pool.inUse(), pool.backend().vectors())));
        out.addAll(remapRefusals);
        out.add("physical interrupts taken for guests: " + ledger().snapshot());
        return out;
    }

    /** No virtual GIC: the domain's kernel finds no CPU interface and runs without interrupts. */
    private static GuestInterrupts none() {
        return new GuestInterrupts() {
            @Override
            public InterruptController interruptController(String node) {
                return null;
            }

            @Override
            public void attach(String node, InterruptSink sink) {
                // nothing to connect to
            }
        };
    }

    /** A domain's interrupt wiring as its kernel sees it: its GIC node is the vGIC's CPU interface. */
    private static final class DomainInterrupts implements GuestInterrupts {
        private final Attached a;

        DomainInterrupts(Attached a) {
            this.a = a;
        }

        private boolean isGic(String node) {
            DeviceTree t = a.domain().deviceTree();
            DtNode n = t == null || node == null ? null : t.node(node);
            return n != null && (n.compatibles().contains(GICV3)
                    || n.compatibles().stream().anyMatch(HostTree.GICV2_COMPATIBLES::contains));
        }

        @Override
        public InterruptController interruptController(String node) {
            return isGic(node) ? a.cpu() : null;
        }

        @Override
        public void attach(String node, InterruptSink sink) {
            if (isGic(node)) {
                a.vgic().connect(sink);
            }
        }
    }
}
