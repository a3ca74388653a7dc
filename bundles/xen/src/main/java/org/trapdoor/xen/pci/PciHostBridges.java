package org.trapdoor.xen.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.memory.AddressSpace;

/**
 * Xen's list of host bridges ({@code pci_host_bridges}), built at boot as Xen's
 * {@code DEVICE_PCI_HOSTBRIDGE} drivers probe the host tree: every enabled node with
 * {@code device_type = "pci"} whose parent is not itself a PCI node and whose {@code compatible}
 * a Xen driver handles ({@code pci-host-generic.c}, {@code pci-host-zynqmp.c}), except those marked
 * {@code xen,passthrough}.
 *
 * <p>Segments follow {@code pci_bus_find_domain_nr}: {@code linux,pci-domain} when every bridge
 * has it, else sequential numbering from 0 in tree order; a tree that mixes the two is refused with
 * Xen's message (upstream {@code BUG()}s).
 */
public final class PciHostBridges {
    /** The compatibles Xen's drivers handle, with the {@code reg-names} entry of their config window (null: reg 0). */
    private static final Map<String, String> DRIVERS = Map.of(
            "pci-host-ecam-generic", "",
            "xlnx,nwl-pcie-2.11", "cfg");

    private final List<XenHostBridge> bridges;

    private PciHostBridges(List<XenHostBridge> bridges) {
        this.bridges = List.copyOf(bridges);
    }

    /**
     * Probes the host tree.
     *
     * @param bringUps the bring-up sequence of a bridge node run from Xen, or null when it has none
     * @throws HypervisorException for inconsistent {@code linux,pci-domain} properties
     */
    public static PciHostBridges probe(DeviceTree host, AddressSpace system, Function<DtNode, Runnable> bringUps,
            Consumer<String> console) {
        List<XenHostBridge> found = new ArrayList<>();
        int useDtDomains = -1;
        int nextDomain = 0;
        for (DtNode n : host.nodes()) {
            if (!isHostBridge(n)) {
                continue;
            }
            String compatible = driverFor(n);
            Runnable bringUp = bringUps.apply(n);
            String regName;
            if (compatible != null) {
                regName = DRIVERS.get(compatible);
            } else if (bringUp != null) {
                // A vendor bridge Xen has a sequence for: its config window by the usual names, else reg 0.
                compatible = n.compatibles().get(0);
                regName = n.reg("cfg") != null ? "cfg" : n.reg("config") != null ? "config" : "";
            } else {
                continue;
            }
            if (n.has("xen,passthrough")) {
                continue;
            }
            RegEntry cfg = configWindow(n, regName);
            if (cfg == null) {
                console.accept(n.path() + ": no config window, bridge ignored");
                continue;
            }
            long dtDomain = n.u32("linux,pci-domain", -1);
            int segment;
            if (dtDomain >= 0 && useDtDomains != 0) {
                useDtDomains = 1;
                segment = (int) dtDomain;
            } else if (dtDomain < 0 && useDtDomains != 1) {
                useDtDomains = 0;
                segment = nextDomain++;
            } else {
                throw new HypervisorException("Inconsistent \"linux,pci-domain\" property in DT (" + n.path() + ")");
            }
            XenHostBridge b = new XenHostBridge(n, compatible, segment, cfg, system, bringUp, console);
            console.accept(String.format("PCI: %s: %s, segment %04x, buses %02x-%02x, config window 0x%x", n.path(),
                    compatible, segment, b.busStart(), b.busEnd(), b.cfgBase()));
            found.add(b);
        }
        return new PciHostBridges(found);
    }

    /** A node with {@code device_type = "pci"} whose parent is not PCI (Xen's host-bridge test). */
    public static boolean isHostBridge(DtNode n) {
        if (!n.isEnabled() || !isPci(n)) {
            return false;
        }
        return n.parent() == null || !isPci(n.parent());
    }

    private static boolean isPci(DtNode n) {
        DtProperty t = n.property("device_type");
        return t != null && "pci".equals(t.string());
    }

    private static String driverFor(DtNode n) {
        for (String c : n.compatibles()) {
            if (DRIVERS.containsKey(c)) {
                return c;
            }
        }
        return null;
    }

    private static RegEntry configWindow(DtNode n, String regName) {
        if (regName != null && !regName.isEmpty()) {
            return n.reg(regName);
        }
        List<RegEntry> reg = n.reg();
        return reg.isEmpty() ? null : reg.get(0);
    }

    public List<XenHostBridge> all() {
        return bridges;
    }

    /** {@code pci_find_host_bridge(seg, bus)}, or null. */
    public XenHostBridge find(int segment, int bus) {
        for (XenHostBridge b : bridges) {
            if (b.decodes(segment, bus)) {
                return b;
            }
        }
        return null;
    }

    /** The bridge of a node path, or null. */
    public XenHostBridge byNode(String path) {
        for (XenHostBridge b : bridges) {
            if (b.node().equals(path)) {
                return b;
            }
        }
        return null;
    }
}
