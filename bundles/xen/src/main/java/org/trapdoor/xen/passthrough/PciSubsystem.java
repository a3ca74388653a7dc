package org.trapdoor.xen.passthrough;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.hypervisor.HostBridgeOwnershipPolicy;
import org.trapdoor.api.hypervisor.HostBridgeStatus;
import org.trapdoor.api.hypervisor.HwdomConfigAccessPolicy;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.HypervisorPolicy;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.xen.PciPassthrough;
import org.trapdoor.xen.Xen;
import org.trapdoor.xen.domain.DomUDeviceTree;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.pci.PciHostBridges;
import org.trapdoor.xen.pci.Sbdf;
import org.trapdoor.xen.pci.XenHostBridge;
import org.trapdoor.xen.hypercall.Errno;
import org.trapdoor.xen.hypercall.PhysdevOp;
import org.trapdoor.xen.iommu.Stage2;
import org.trapdoor.xen.iommu.XenSmmuv3;
import org.trapdoor.xen.mm.DomainAddressSpace;
import org.trapdoor.xen.mm.P2mType;
import org.trapdoor.xen.policy.PolicyRegistry;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.xen.vpci.GuestPhysmap;
import org.trapdoor.xen.vpci.GuestVpci;
import org.trapdoor.xen.vpci.HostFunction;
import org.trapdoor.xen.vpci.VpciDevice;
import org.trapdoor.xen.vpci.VpciNode;

/**
 * Xen's PCI side on Arm, what the facade delegates the {@code Hypervisor} PCI methods to:
 * <ul>
 * <li>at boot (before Dom0 runs): the host bridges ({@link PciHostBridges}) with the ownership
 * policy told of each, Xen's SMMUv3 drivers, and Dom0's config window set up by the
 * hardware-domain config policy;</li>
 * <li>{@code PHYSDEVOP_pci_device_add} from Dom0 ({@code pci_add_device}): the pdev, owner Dom0,
 * its StreamIDs from the bridge's {@code iommu-map} ({@code iommu_add_dt_pci_sideband_ids}), its
 * STE given Dom0's stage 2;</li>
 * <li>the toolstack: {@code pci-assignable-add/-remove/-list} (quarantine: owner {@code dom_io},
 * STE abort), {@code pci-attach/-detach} and {@code xl create} with {@code pci=[...]}
 * ({@code assign_device}: the IOMMU context moves to the DomU's stage 2, vPCI gives it a virtual
 * slot), teardown on destroy (back to quarantine);</li>
 * <li>the policies ({@link PolicyRegistry}): switching one re-applies it live.</li>
 * </ul>
 * Every toolstack operation is serialised on this object (Xen's {@code pcidevs_lock}); refusals
 * are {@link HypervisorException}s with one line in libxl's words.
 */
public final class PciSubsystem implements PciPassthrough {
    private static final String DOM_IO = "dom_io";
    /** {@code physdev_pci_device_add.flags}. */
    static final int XEN_PCI_DEV_VIRTFN = 0x2;

    private final Xen xen;
    private final Machine machine;
    private final Function<DtNode, Runnable> bringUps;
    private final PolicyRegistry policies;
    private final Map<Sbdf, Pdev> pdevs = new LinkedHashMap<>();
    private final Map<String, XenSmmuv3> smmus = new LinkedHashMap<>();
    private final Map<Integer, GuestVpci> guestBridges = new HashMap<>();
    private final Map<Integer, DomainAddressSpace.Trap> guestTraps = new HashMap<>();
    private final Map<String, HwdomWindow> windows = new LinkedHashMap<>();
    private PciHostBridges bridges;
    private XenDomain dom0;
    private MsiDeviceHooks msiHooks = MsiDeviceHooks.NONE;

    /**
     * @param bringUps the bring-up sequence Xen can run for a bridge node, or null when it has none
     */
    public PciSubsystem(Xen xen, Function<DtNode, Runnable> bringUps) {
        this.xen = xen;
        this.machine = xen.machine();
        this.bringUps = bringUps;
        this.policies = new PolicyRegistry(line -> xen.consoleRing().printk("%s", line));
        policies.declare(HostBridgeOwnershipPolicy.KIND, "dom0-init", false);
        policies.declare(HwdomConfigAccessPolicy.KIND, "direct", false);
        policies.addListener(this::policyChanged);
    }

    public PciSubsystem(Xen xen) {
        this(xen, n -> null);
    }

    /** Who sets up a DomU's functions' MSIs (Xen's interrupt side; wired by the component). */
    public synchronized void msiHooks(MsiDeviceHooks hooks) {
        this.msiHooks = hooks == null ? MsiDeviceHooks.NONE : hooks;
    }

    /** Where the policy services go (the Xen component binds them here). */
    public PolicyRegistry policyRegistry() {
        return policies;
    }

    private void printk(String format, Object... args) {
        xen.consoleRing().printk(format, args);
    }

    // ================================================================ boot

    @Override
    public synchronized void dom0Built(XenDomain d0) {
        this.dom0 = d0;
        DeviceTree host = machine.platform();
        bridges = PciHostBridges.probe(host, machine.system(), bringUps, line -> printk("%s", line));
        for (DtNode n : host.nodes()) {
            if (n.isEnabled() && n.compatibles().contains("arm,smmu-v3") && !n.reg().isEmpty()) {
                XenSmmuv3 smmu = new XenSmmuv3(n.path(), n.reg().get(0).address(), machine.system(), machine.memory(),
                        (count, align) -> xen.heap().allocate(count, align), line -> printk("%s", line));
                try {
                    smmu.probeAndReset();
                    smmu.onFault(this::countFault);
                    smmu.onWriteFault(this::writeFaulted);
                    smmus.put(n.path(), smmu);
                    connectEventInterrupt(n.path());
                } catch (IllegalStateException e) {
                    printk("SMMUv3: %s: %s", n.path(), e.getMessage());
                }
            }
        }
        HostBridgeOwnershipPolicy owner = policies.active(HostBridgeOwnershipPolicy.KIND, HostBridgeOwnershipPolicy.class);
        for (XenHostBridge b : bridges.all()) {
            b.owner(owner == null ? "none" : owner.name());
            if (owner != null) {
                found(owner, b);
            }
            HwdomWindow w = new HwdomWindow(b, d0);
            windows.put(b.node(), w);
            HwdomConfigAccessPolicy access = policies.active(HwdomConfigAccessPolicy.KIND, HwdomConfigAccessPolicy.class);
            if (access != null) {
                access.apply(w);
            }
        }
        if (!smmus.isEmpty()) {
            mapDoorbells(host, d0);
        }
        xen.physdevOp().register(PhysdevOp.PHYSDEVOP_PCI_DEVICE_ADD, (caller, arg) -> deviceAdd(caller, arg));
    }

    /**
     * The ITS doorbell pages ({@code GITS_TRANSLATER}'s 64 KiB frame at ITS base + 0x10000) mapped
     * 1:1 into Dom0's P2M, which is also its devices' stage 2 in the SMMU: upstream's
     * {@code vgic_v3_its_init_virtual} {@code iommu_map}s them (f9f6b22abf), without which every
     * MSI of a Dom0 device would fault at stage 2. Only the first page, where GITS_TRANSLATER is.
     */
    private void mapDoorbells(DeviceTree host, XenDomain d0) {
        for (DtNode n : host.nodes()) {
            if (n.isEnabled() && n.compatibles().contains("arm,gic-v3-its") && !n.reg().isEmpty()) {
                long page = n.reg().get(0).address() + 0x10000;
                d0.p2m().map(page, page, 0x1000, P2mType.MMIO_DIRECT_DEV);
                printk("%s: doorbell 0x%x mapped 1:1 in Domain-0's IOMMU context", n.path(), page);
            }
        }
    }

    /** Tells the ownership policy of a bridge; a failed bring-up leaves the bridge not ready (said on the console). */
    private void found(HostBridgeOwnershipPolicy owner, XenHostBridge b) {
        try {
            owner.bridgeFound(b);
        } catch (RuntimeException e) {
            printk("%s: %s: %s", b.node(), owner.name(), e.getMessage());
        }
    }

    /** A fault record read back against {@code domid}: the domain's own counter ({@code Domain.dmaFaults}). */
    private void countFault(int domid) {
        // Called with the SMMU driver's monitor held: no look-up that takes this subsystem's.
        XenDomain d = owners.get(domid);
        if (d != null) {
            d.dmaFault();
        }
    }

    /** Every domain that has owned a device, by domid, for fault attribution (read without a lock). */
    private final Map<Integer, XenDomain> owners = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Xen's SMMU event-queue interrupt ({@code arm_smmu_evtq_thread}): the SMMU raises it on the
     * DMA's own thread, inside its model, so the queue is read on Xen's tasklet thread, never there.
     */
    private void connectEventInterrupt(String node) {
        if (!(machine instanceof org.trapdoor.api.machine.MachineInterrupts mi)) {
            return;
        }
        try {
            org.trapdoor.api.iommu.Iommu model = mi.iommus().get(node);
            if (model != null) {
                model.connect(line -> {
                    if (line == 0) {
                        tasklet().execute(this::drainFaults);
                    }
                });
            }
        } catch (UnsupportedOperationException e) {
            printk("SMMUv3: %s: no event interrupt; faults are read back when asked", node);
        }
    }

    private java.util.concurrent.Executor tasklet;
    /** Its own lock: the SMMU model raises the event interrupt while translating, holding its own lock. */
    private final Object taskletLock = new Object();

    private java.util.concurrent.Executor tasklet() {
        synchronized (taskletLock) {
            return taskletLocked();
        }
    }

    private java.util.concurrent.Executor taskletLocked() {
        if (tasklet == null) {
            tasklet = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "xen-smmu-evtq");
                t.setDaemon(true);
                return t;
            });
        }
        return tasklet;
    }

    /** The host bridges Xen found (null before Dom0 is built). */
    public synchronized PciHostBridges bridges() {
        return bridges;
    }

    // ================================================================ PHYSDEVOP_pci_device_add

    /** Reads {@code struct physdev_pci_device_add} from the caller's memory and adds the device. */
    long deviceAdd(XenDomain caller, long arg) {
        if (!caller.hardwareDomain()) {
            return -Errno.EPERM; // xsm_resource_plug_pci(XSM_PRIV)
        }
        byte[] s = new byte[12];
        if (!xen.guestMemory().copyFrom(caller, arg, s, 0, s.length)) {
            return -Errno.EFAULT;
        }
        int seg = (s[0] & 0xff) | (s[1] & 0xff) << 8;
        int bus = s[2] & 0xff;
        int devfn = s[3] & 0xff;
        int flags = (s[4] & 0xff) | (s[5] & 0xff) << 8 | (s[6] & 0xff) << 16 | (s[7] & 0xff) << 24;
        int physBus = s[8] & 0xff;
        int physDevfn = s[9] & 0xff;
        return addDevice(new Sbdf(seg, bus, devfn), flags, physBus, physDevfn);
    }

    /** {@code pci_add_device}: 0 or a negative errno. */
    synchronized long addDevice(Sbdf sbdf, int flags, int physBus, int physDevfn) {
        if (bridges == null) {
            return -Errno.ENODEV;
        }
        XenHostBridge bridge = bridges.find(sbdf.segment(), sbdf.bus());
        if (bridge == null) {
            printk("Unable to find PCI bridge for %s", sbdf);
            return -Errno.ENODEV;
        }
        HostBridgeOwnershipPolicy owner = policies.active(HostBridgeOwnershipPolicy.KIND, HostBridgeOwnershipPolicy.class);
        if (owner != null) {
            owner.hardwareDomainReported(bridge, sbdf.toString());
        } else if (!bridge.ready()) {
            // No ownership policy registered at all: what upstream does (Dom0 initialised the bridge).
            bridge.markReady("Dom0 reported " + sbdf + " with PHYSDEVOP_pci_device_add (no bridge-owner policy: upstream)");
        }
        if ((flags & XEN_PCI_DEV_VIRTFN) != 0 && !pdevs.containsKey(new Sbdf(sbdf.segment(), physBus, physDevfn))) {
            printk("%s: SR-IOV VF without its PF", sbdf);
            return -Errno.ENODEV;
        }
        if (pdevs.containsKey(sbdf)) {
            return 0;
        }
        if (!bridge.ready()) {
            printk("%s: bridge %s is not ready for config access; device not added", sbdf, bridge.node());
            return -Errno.ENODEV;
        }
        if ((bridge.read(sbdf.bus(), sbdf.devfn(), 0, 2) & 0xffff) == 0xffff) {
            printk("%s: no device there", sbdf);
            return -Errno.ENODEV;
        }
        Pdev p = sideband(sbdf, bridge);
        p.owner = dom0;
        pdevs.put(sbdf, p);
        if (p.iommu != null) {
            for (int sid : p.streamIds) {
                p.iommu.addDevice(sid);
                p.iommu.attach(sid, stage2(dom0));
            }
        }
        HwdomWindow w = windows.get(bridge.node());
        if (w != null && w.trapped()) {
            w.addDevice(p);
        }
        printk("PCI add device %s%s", sbdf, p.iommu == null ? "" : " (" + p.iommuNode + " StreamID " + p.streamIds + ")");
        return 0;
    }

    /** {@code iommu_add_dt_pci_sideband_ids}: the RID through the bridge's {@code iommu-map} (or {@code iommus}). */
    private Pdev sideband(Sbdf sbdf, XenHostBridge bridge) {
        DtNode node = bridge.dtNode();
        IdMap map = IdMap.iommuMap(node);
        if (map != null) {
            IdMap.Result r = map.map(sbdf.rid());
            if (r.translated() && r.target() != null) {
                XenSmmuv3 smmu = smmus.get(r.target().path());
                return new Pdev(sbdf, bridge, smmu, r.target().path(), List.of((int) r.id()));
            }
            return new Pdev(sbdf, bridge, null, null, List.of());
        }
        List<PhandleRef> iommus = node.iommus();
        if (!iommus.isEmpty() && iommus.get(0).node() != null) {
            String path = iommus.get(0).node().path();
            return new Pdev(sbdf, bridge, smmus.get(path), path, List.of(sbdf.rid()));
        }
        return new Pdev(sbdf, bridge, null, null, List.of());
    }

    private Stage2 stage2(XenDomain d) {
        owners.put(d.id(), d);
        return new Stage2(d.id(), d.p2m().root(), d.p2m().vtcr());
    }

    // ================================================================ quarantine

    @Override
    public synchronized void assignableAdd(String bdf) {
        Pdev p = known(Sbdf.parse(bdf));
        if (p.assignable) {
            throw new HypervisorException("PCI device " + p.sbdf + " is already assignable");
        }
        if (p.owner != null && p.owner != dom0) {
            throw new HypervisorException("PCI device " + p.sbdf + " is assigned to domain " + p.owner.name());
        }
        if (p.owner == dom0) {
            resetInDom0(p);
        }
        quarantine(p);
        p.assignable = true;
        printk("%s: assignable (owner dom_io)", p.sbdf);
    }

    @Override
    public synchronized void assignableRemove(String bdf) {
        Pdev p = known(Sbdf.parse(bdf));
        if (!p.assignable) {
            throw new HypervisorException("PCI device " + p.sbdf + " is not assignable");
        }
        if (p.owner != null) {
            throw new HypervisorException("PCI device " + p.sbdf + " is assigned to domain " + p.owner.name());
        }
        p.assignable = false;
        giveToDom0(p);
        printk("%s: returned to Domain-0", p.sbdf);
    }

    @Override
    public synchronized List<String> assignableList() {
        List<String> out = new ArrayList<>();
        for (Pdev p : pdevs.values()) {
            if (p.assignable && p.owner == null) {
                out.add(p.sbdf.toString());
            }
        }
        return out;
    }

    private Pdev known(Sbdf sbdf) {
        Pdev p = pdevs.get(sbdf);
        if (p == null) {
            throw new HypervisorException("PCI device " + sbdf + " is not known to Xen (Dom0 has not reported it)");
        }
        return p;
    }

    /**
     * What xl does in Dom0 around an assignment ({@code libxl__device_pci_assignable_add}: the
     * driver unbound, the function bound to xen-pciback; {@code libxl__device_pci_reset} when it
     * comes back from a DomU): Dom0's kernel frees the function's vectors, clears bus mastering and
     * resets it (FLR), so nothing Dom0 programmed (MSI-X enabled with Dom0's doorbell) or a DomU
     * left running follows the function to its next owner.
     */
    private void resetInDom0(Pdev p) {
        GuestKernel k = dom0 == null ? null : dom0.kernel();
        if (k == null) {
            printk("%s: Dom0 has no kernel to release it; not reset", p.sbdf);
            return;
        }
        try {
            printk("%s", k.releaseDevice(p.sbdf.toString()));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            printk("%s: not released by Dom0: %s", p.sbdf, e.getMessage());
        }
    }

    /** Leaves the current owner (its vPCI view torn down) and aborts the device's DMA. */
    private void quarantine(Pdev p) {
        leaveOwner(p);
        if (p.iommu != null) {
            for (int sid : p.streamIds) {
                p.iommu.quarantine(sid);
            }
        }
        p.owner = null;
    }

    private void giveToDom0(Pdev p) {
        leaveOwner(p);
        if (p.iommu != null) {
            for (int sid : p.streamIds) {
                p.iommu.attach(sid, stage2(dom0));
            }
        }
        p.owner = dom0;
        HwdomWindow w = windows.get(p.bridge.node());
        if (w != null && w.trapped()) {
            w.addDevice(p);
        }
    }

    /** {@code vpci_deassign_device} for the current owner. */
    private void leaveOwner(Pdev p) {
        if (p.owner != null && p.owner != dom0 && p.vslot >= 0) {
            msiHooks.detached(p.owner, virtualDeviceId(p.vslot));
        }
        if (p.vpci != null) {
            p.vpci.teardown();
            if (p.guestBridge != null) {
                p.guestBridge.release(p.vpci);
            } else {
                HwdomWindow w = windows.get(p.bridge.node());
                if (w != null) {
                    w.removeDevice(p);
                }
            }
        }
        if (p.owner != null && p.owner != dom0) {
            p.owner.removePci(p.sbdf.toString());
        }
        p.vpci = null;
        p.guestBridge = null;
        p.vslot = -1;
    }

    // ================================================================ assignment

    @Override
    public synchronized void domainBuilt(XenDomain domU, List<PciSpec> pci) {
        if (pci.isEmpty()) {
            return;
        }
        // make_vpci_node: only when the domain is created with PCI devices (as libxl).
        VpciNode.addTo(domU.deviceTree().root(), DomUDeviceTree.msiController(domU.deviceTree()));
        List<PciSpec> done = new ArrayList<>();
        try {
            for (PciSpec spec : pci) {
                attach(domU, spec);
                done.add(spec);
            }
        } catch (HypervisorException e) {
            for (PciSpec spec : done) {
                detach(domU, spec.bdf());
            }
            throw e;
        }
    }

    @Override
    public synchronized PciAssignment attach(XenDomain d, PciSpec spec) {
        Sbdf sbdf = Sbdf.of(spec.segment(), spec.bus(), spec.device(), spec.function());
        if (d.hardwareDomain()) {
            throw new HypervisorException("PCI device " + sbdf + ": Domain-0 owns every device it has not given away");
        }
        if (sbdf.function() != 0) {
            // assign_virtual_sbdf: -EOPNOTSUPP
            throw new HypervisorException("PCI device " + sbdf + ": only function 0 can be passed through");
        }
        Pdev p = known(sbdf);
        if (p.owner == d) {
            throw new HypervisorException("PCI device " + sbdf + " is already assigned to domain " + d.name());
        }
        if (p.owner != null && p.owner != dom0) {
            throw new HypervisorException("PCI device " + sbdf + " is already assigned to domain " + p.owner.name());
        }
        if (!p.assignable) {
            if (!spec.seize()) {
                throw new HypervisorException("PCI device " + sbdf + " is not assignable");
            }
            assignableAdd(sbdf.toString());
        }
        GuestVpci vbridge = guestBridge(d);
        VpciDevice v;
        try {
            v = new VpciDevice(new HostFunction(p.bridge, sbdf.bus(), sbdf.devfn()), false, spec.permissive(),
                    physmap(d), line -> printk("d%d: %s", d.id(), line));
        } catch (IllegalStateException e) {
            throw new HypervisorException("PCI device " + sbdf + ": " + e.getMessage());
        }
        int slot;
        try {
            slot = vbridge.assign(v, spec.vslot());
        } catch (IllegalStateException | IllegalArgumentException e) {
            v.teardown();
            throw new HypervisorException("PCI device " + sbdf + " cannot be attached to " + d.name() + ": "
                    + e.getMessage());
        }
        if (p.iommu != null) {
            for (int sid : p.streamIds) {
                p.iommu.attach(sid, stage2(d));
            }
        }
        p.owner = d;
        p.vpci = v;
        p.guestBridge = vbridge;
        p.vslot = slot;
        msiHooks.assigned(d, v, virtualDeviceId(slot), hostDeviceId(p),
                new MsiDeviceHooks.HostMsi(msiController(p), p.iommu != null));
        PciAssignment a = new PciAssignment(sbdf.toString(), p.virtualBdf(), spec.permissive());
        d.addPci(a);
        printk("d%d: assigned %s as %s", d.id(), sbdf, a.virtualBdf());
        return a;
    }

    @Override
    public synchronized void detach(XenDomain d, String bdf) {
        Sbdf sbdf = Sbdf.parse(bdf);
        Pdev p = pdevs.get(sbdf);
        if (p == null || p.owner != d) {
            throw new HypervisorException("PCI device " + sbdf + " is not assigned to domain " + d.name());
        }
        quarantine(p);
        resetInDom0(p);
        printk("d%d: %s detached, owner dom_io", d.id(), sbdf);
    }

    @Override
    public synchronized void domainDestroyed(XenDomain d) {
        for (Pdev p : pdevs.values()) {
            if (p.owner == d) {
                quarantine(p);
                resetInDom0(p);
                printk("d%d: %s back to quarantine", d.id(), p.sbdf);
            }
        }
        DomainAddressSpace.Trap t = guestTraps.remove(d.id());
        if (t != null) {
            d.ipaSpace().removeTrap(t);
        }
        guestBridges.remove(d.id());
        owners.remove(d.id(), d);
        policies.forget(d.name());
    }

    /** A DomU function's write faulted: to the MSI side (which may recover a doorbell write from it). */
    private void writeFaulted(int sid, long address, boolean captured, int data) {
        for (Pdev p : pdevs.values()) {
            if (p.streamIds.contains(sid)) {
                if (p.owner != null && p.owner != dom0 && p.vslot >= 0) {
                    msiHooks.writeFaulted(p.owner, virtualDeviceId(p.vslot), address, captured, data);
                }
                return;
            }
        }
    }

    /** Every SMMU drops what it cached of {@code d}'s stage 2 ({@code iommu_iotlb_flush_all}). */
    public void flushIotlb(XenDomain d) {
        // Not under this monitor: the flush waits on the SMMU model, whose translating thread may
        // be raising the event interrupt into this object (a lock-order deadlock otherwise).
        for (XenSmmuv3 s : smmus().values()) {
            s.flush(d.id());
        }
    }

    /** Whether every SMMU Xen drives captures a faulting write's data (FAULT_WDATA); false without one. */
    public synchronized boolean faultDataCaptured() {
        return !smmus.isEmpty() && smmus.values().stream().allMatch(XenSmmuv3::capturesFaultData);
    }

    /** The virtual DeviceID of vPCI slot {@code vslot}: its RID 00:SS.0 through the DomU's identity {@code msi-map}. */
    static int virtualDeviceId(int vslot) {
        return vslot << 3;
    }

    /** The host DeviceID: the RID through the bridge's {@code msi-map} ({@code of_map_id}), the RID without one. */
    private static int hostDeviceId(Pdev p) {
        IdMap map = IdMap.msiMap(p.bridge.dtNode());
        if (map != null) {
            IdMap.Result r = map.map(p.sbdf.rid());
            if (r.translated()) {
                return (int) r.id();
            }
        }
        return p.sbdf.rid();
    }

    /** {@code of_msi_map_get_device_domain}: the MSI controller node the bridge names for the function, or null. */
    private static String msiController(Pdev p) {
        DtNode node = p.bridge.dtNode();
        IdMap map = IdMap.msiMap(node);
        if (map != null) {
            IdMap.Result r = map.map(p.sbdf.rid());
            return r.translated() && r.target() != null ? r.target().path() : null;
        }
        var parents = node.msiParent();
        return parents.isEmpty() || parents.get(0).node() == null ? null : parents.get(0).node().path();
    }

    /** The DomU's virtual host bridge, its ECAM window trapped on first use ({@code domain_vpci_init}). */
    private GuestVpci guestBridge(XenDomain d) {
        GuestVpci v = guestBridges.get(d.id());
        if (v == null) {
            v = new GuestVpci();
            guestBridges.put(d.id(), v);
            guestTraps.put(d.id(), d.ipaSpace().addTrap(GuestVpci.ECAM_BASE, GuestVpci.ECAM_SIZE, "vpci", v::access));
        }
        return v;
    }

    /** The DomU's virtual host bridge, or null when it has no PCI device. */
    public synchronized GuestVpci guestBridge(int domid) {
        return guestBridges.get(domid);
    }

    private static GuestPhysmap physmap(XenDomain d) {
        return new GuestPhysmap() {
            @Override
            public boolean mapMmio(long ipa, long machineAddress, long size) {
                try {
                    d.p2m().map(ipa, machineAddress, size, P2mType.MMIO_DIRECT_DEV);
                    return true;
                } catch (IllegalArgumentException | IllegalStateException e) {
                    return false;
                }
            }

            @Override
            public void unmapMmio(long ipa, long size) {
                d.p2m().unmap(ipa, size);
            }
        };
    }

    // ================================================================ status

    @Override
    public synchronized List<PciDeviceStatus> devices() {
        drainFaults();
        List<PciDeviceStatus> out = new ArrayList<>();
        for (Pdev p : pdevs.values()) {
            String ctx = p.iommu == null ? (p.iommuNode == null ? "none" : "not driven by Xen")
                    : p.streamIds.isEmpty() ? "none" : p.iommu.context(p.streamIds.get(0));
            out.add(new PciDeviceStatus(p.sbdf.toString(), p.ownerName(), p.assignable, p.iommuNode, p.streamIds, ctx));
        }
        return out;
    }

    @Override
    public synchronized List<HostBridgeStatus> hostBridges() {
        List<HostBridgeStatus> out = new ArrayList<>();
        if (bridges != null) {
            for (XenHostBridge b : bridges.all()) {
                out.add(b.status());
            }
        }
        return out;
    }

    /**
     * Reads every SMMU's event queue and counts each fault against the domain owning the StreamID
     * ({@link XenDomain#dmaFault}); {@code dom_io}'s faults are the quarantine's.
     *
     * @return fault records read
     */
    public synchronized int drainFaults() {
        int n = 0;
        for (XenSmmuv3 s : smmus.values()) {
            n += s.drainEvents();
        }
        return n;
    }

    /** DMA faults read back against {@code domid} ({@link XenSmmuv3#DOM_IO} for the quarantine). */
    public synchronized long faults(int domid) {
        long n = 0;
        for (XenSmmuv3 s : smmus.values()) {
            n += s.faults(domid);
        }
        return n;
    }

    /**
     * The vPCI views of the functions assigned to a DomU, in slot order: where a {@code domu-msi}
     * mechanism hides MSI ({@link VpciDevice#hideMsi}) or traps it ({@link VpciDevice#trapMsi}).
     */
    public synchronized List<VpciDevice> vpciDevices(XenDomain d) {
        List<Pdev> mine = new ArrayList<>();
        for (Pdev p : pdevs.values()) {
            if (p.owner == d && p.vpci != null && p.guestBridge != null) {
                mine.add(p);
            }
        }
        mine.sort((a, b) -> Integer.compare(a.vslot, b.vslot));
        List<VpciDevice> out = new ArrayList<>();
        for (Pdev p : mine) {
            out.add(p.vpci);
        }
        return out;
    }

    /** Xen's SMMU drivers by node path. */
    public synchronized Map<String, XenSmmuv3> smmus() {
        return Map.copyOf(smmus);
    }

    // ================================================================ policies

    @Override
    public List<PolicyInfo> policies() {
        return policies.info();
    }

    @Override
    public void setPolicy(XenDomain domain, String kind, String name) {
        if (domain != null && HwdomConfigAccessPolicy.KIND.equals(kind)) {
            if (!domain.hardwareDomain()) {
                throw new HypervisorException("policy " + kind + " applies to the hardware domain only");
            }
            domain = null;
        }
        policies.set(domain == null ? null : domain.name(), kind, name);
    }

    /** A policy in force changed: apply the new one now. */
    private void policyChanged(String kind, String domain, HypervisorPolicy now) {
        List<XenHostBridge> all;
        synchronized (this) {
            if (bridges == null) {
                return;
            }
            all = bridges.all();
        }
        if (HostBridgeOwnershipPolicy.KIND.equals(kind)) {
            for (XenHostBridge b : all) {
                b.owner(now == null ? "none" : now.name());
                if (now instanceof HostBridgeOwnershipPolicy o) {
                    found(o, b);
                }
            }
        } else if (HwdomConfigAccessPolicy.KIND.equals(kind) && now instanceof HwdomConfigAccessPolicy a) {
            for (XenHostBridge b : all) {
                HwdomWindow w;
                synchronized (this) {
                    w = windows.get(b.node());
                }
                if (w != null) {
                    a.apply(w);
                }
            }
        }
    }

    // ================================================================ Dom0's config window

    /** {@link org.trapdoor.api.hypervisor.HwdomConfigWindow} of one bridge in Dom0's stage 2. */
    private final class HwdomWindow implements org.trapdoor.api.hypervisor.HwdomConfigWindow {
        private final XenHostBridge bridge;
        private final XenDomain d0;
        private org.trapdoor.xen.vpci.HwdomVpci vpci;
        private DomainAddressSpace.Trap trap;

        HwdomWindow(XenHostBridge bridge, XenDomain d0) {
            this.bridge = bridge;
            this.d0 = d0;
        }

        @Override
        public String node() {
            return bridge.node();
        }

        boolean trapped() {
            return trap != null;
        }

        @Override
        public void mapDirect() {
            synchronized (PciSubsystem.this) {
                if (trap != null) {
                    d0.ipaSpace().removeTrap(trap);
                    trap = null;
                    for (Pdev p : pdevs.values()) {
                        if (p.bridge == bridge && p.owner == d0 && p.vpci != null) {
                            // Dom0 drives the device directly again: its BARs stay where Dom0 put them.
                            p.vpci = null;
                        }
                    }
                    vpci = null;
                }
                d0.p2m().map(bridge.cfgBase(), bridge.cfgBase(), bridge.cfgSize(), P2mType.MMIO_DIRECT_DEV);
                printk("%s: config window mapped 1:1 into Domain-0", bridge.node());
            }
        }

        @Override
        public void trapThroughVpci() {
            synchronized (PciSubsystem.this) {
                if (trap != null) {
                    return;
                }
                vpci = new org.trapdoor.xen.vpci.HwdomVpci(bridge);
                for (Pdev p : pdevs.values()) {
                    if (p.bridge == bridge && p.owner == d0) {
                        addDevice(p);
                    }
                }
                d0.p2m().unmap(bridge.cfgBase(), bridge.cfgSize());
                trap = d0.ipaSpace().addTrap(bridge.cfgBase(), bridge.cfgSize(), "vpci " + bridge.node(), vpci::access);
                printk("%s: Domain-0's config accesses trapped through vPCI", bridge.node());
            }
        }

        /** {@code vpci_assign_device} for the hardware domain. */
        void addDevice(Pdev p) {
            if (vpci == null) {
                return;
            }
            try {
                p.vpci = new VpciDevice(new HostFunction(bridge, p.sbdf.bus(), p.sbdf.devfn()), true, false,
                        physmap(d0), line -> printk("d0: %s", line));
                vpci.set(p.sbdf.bus(), p.sbdf.devfn(), p.vpci);
            } catch (IllegalStateException e) {
                printk("%s: no vPCI for Domain-0: %s", p.sbdf, e.getMessage());
            }
        }

        void removeDevice(Pdev p) {
            if (vpci != null) {
                vpci.set(p.sbdf.bus(), p.sbdf.devfn(), null);
            }
        }
    }
}
