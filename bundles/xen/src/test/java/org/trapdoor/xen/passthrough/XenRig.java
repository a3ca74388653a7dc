package org.trapdoor.xen.passthrough;

import java.util.List;
import java.util.Map;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.guest.GuestPlatform;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.policy.dom0init.Dom0InitPolicy;
import org.trapdoor.policy.hwdomdirect.HwdomDirectPolicy;
import org.trapdoor.policy.hwdomvpci.HwdomVpciPolicy;
import org.trapdoor.policy.xeninit.XenInitPolicy;
import org.trapdoor.xen.Xen;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.pci.HostRig;
import org.trapdoor.xen.pci.XenHostBridge;
import org.trapdoor.xen.hypercall.PhysdevOp;
import org.trapdoor.xen.mm.DomainAddressSpace;
import org.trapdoor.xen.mm.P2m;
import org.trapdoor.xen.mm.P2mType;

/**
 * Xen booted on the {@code virt} machine with its PCI subsystem and the four policies, and a Dom0
 * whose "kernel" does only what Linux's PCI and Xen code observably do before any DomU exists:
 * it places the endpoints' BARs through its own ECAM window (its IPA space) and reports each
 * function with {@code PHYSDEVOP_pci_device_add} through the hypercall, the structure in its own
 * memory ({@code xen_add_device}). DomUs are built by hand: RAM at {@code GUEST_RAM0_BASE} from
 * Xen's heap, a P2M and IPA space, a device tree root for {@code make_vpci_node}.
 */
final class XenRig implements AutoCloseable {
    static final long ECAM = 0x40_1000_0000L;
    static final long GUEST_RAM = 0x4000_0000L;
    static final int HYPERVISOR_PHYSDEV_OP = 33;

    final HostRig host = new HostRig();
    final Xen xen;
    final PciSubsystem pci;
    final XenDomain dom0;
    final Dom0InitPolicy dom0Init = new Dom0InitPolicy();
    final XenInitPolicy xenInit = new XenInitPolicy();
    final HwdomDirectPolicy direct = new HwdomDirectPolicy();
    final HwdomVpciPolicy vpci = new HwdomVpciPolicy();
    long dom0Scratch;
    /** What Xen saw of the bridge when Dom0 started, before it reported anything. */
    boolean readyBeforeReport;
    int xenReadBeforeReport;
    long refusedBeforeReport;

    XenRig() {
        this(false, false);
    }

    /**
     * @param xenInitFirst  make {@code xen-init} the bridge-owner policy before boot
     * @param hwdomVpci     make {@code vpci} the hwdom-config policy before boot
     */
    XenRig(boolean xenInitFirst, boolean hwdomVpci) {
        xen = new Xen(host.machine, this::bootDom0, Xen.Options.DEFAULT);
        pci = new PciSubsystem(xen);
        pci.policyRegistry().add(dom0Init.KIND, dom0Init);
        pci.policyRegistry().add(xenInit.KIND, xenInit);
        pci.policyRegistry().add(direct.KIND, direct);
        pci.policyRegistry().add(vpci.KIND, vpci);
        if (xenInitFirst) {
            pci.policyRegistry().set(null, xenInit.KIND, XenInitPolicy.NAME);
        }
        if (hwdomVpci) {
            pci.policyRegistry().set(null, vpci.KIND, HwdomVpciPolicy.NAME);
        }
        xen.pci(pci);
        dom0 = xen.boot();
    }

    /** Dom0's kernel: BARs placed through its ECAM window, then each function reported to Xen. */
    private org.trapdoor.api.guest.GuestKernel bootDom0(GuestPlatform p, Map<String, String> cmdline) {
        AddressSpace mem = p.memory();
        XenHostBridge b = pci.bridges().all().get(0);
        readyBeforeReport = b.ready();
        xenReadBeforeReport = b.read(0, 0x08, 0, 4);
        refusedBeforeReport = b.refusedAccesses();
        dom0Scratch = p.deviceTree().memory().get(0).address() + 0x10_0000;
        placeBars(mem, 0x08, HostRig.BAR0_01, HostRig.BAR2_01);
        placeBars(mem, 0x10, HostRig.BAR0_02, HostRig.BAR2_02);
        for (int devfn : new int[] {0x00, 0x08, 0x10}) {
            long rc = deviceAdd(p, 0, devfn);
            if (rc != 0) {
                throw new AssertionError("PHYSDEVOP_pci_device_add 00:" + Integer.toHexString(devfn) + " -> " + rc);
            }
        }
        return null;
    }

    private static void placeBars(AddressSpace mem, int devfn, long bar0, long bar2) {
        long f = ECAM + ((long) devfn << 12);
        check(mem.write(f + 0x10, 4, bar0));
        check(mem.write(f + 0x18, 4, bar2 & 0xffff_ffffL));
        check(mem.write(f + 0x1c, 4, bar2 >>> 32));
        check(mem.write(f + 0x04, 2, 0x6));
    }

    private static void check(MemResult r) {
        if (r != MemResult.OK) {
            throw new AssertionError("Dom0 ECAM write: " + r);
        }
    }

    /** {@code xen_add_device}: {@code struct physdev_pci_device_add} in Dom0's memory, then the hypercall. */
    long deviceAdd(GuestPlatform p, int bus, int devfn) {
        AddressSpace mem = p.memory();
        mem.write(dom0Scratch, 4, (long) bus << 16 | (long) devfn << 24); // seg 0, bus, devfn
        mem.write(dom0Scratch + 4, 4, 0); // flags
        mem.write(dom0Scratch + 8, 4, 0); // physfn
        return p.hypercalls().hypercall(HYPERVISOR_PHYSDEV_OP, PhysdevOp.PHYSDEVOP_PCI_DEVICE_ADD, dom0Scratch, 0, 0, 0);
    }

    /** A DomU as the domain builder leaves it before its kernel runs: RAM, P2M, IPA space, an empty tree. */
    XenDomain domU(int id, String name, long ramBytes) {
        P2m p2m = new P2m(host.machine.memory(), xen.heap(), id, 40);
        long ram = xen.heap().allocate((int) (ramBytes >>> 12), 512);
        p2m.map(GUEST_RAM, ram, ramBytes, P2mType.RAM_RW);
        DomainAddressSpace ipa = new DomainAddressSpace(name, p2m, host.machine.system());
        XenDomain d = new XenDomain(id, name, false, 1, p2m, ipa);
        d.addRam(new XenDomain.Extent(GUEST_RAM, ram, ramBytes));
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        d.deviceTree(new DeviceTree(root, name, List.of()));
        return d;
    }

    @Override
    public void close() {
        host.close();
    }
}
