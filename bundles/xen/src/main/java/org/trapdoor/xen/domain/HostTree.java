package org.trapdoor.xen.domain;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * What Xen reads in the host device tree to decide what it keeps for itself: the GIC and its ITS
 * (Xen owns the physical interrupt controller), the IOMMUs it has a driver for, the PCI host
 * bridges and the segment each gets ({@code pci_bus_find_domain_nr}).
 */
public final class HostTree {
    /** Compatibles of the GIC distributors and ITSes Xen drives ({@code gic-v2.c}, {@code gic-v3.c}, {@code gic-v3-its.c}). */
    public static final List<String> GIC_COMPATIBLES = List.of("arm,gic-v3", "arm,gic-400", "arm,cortex-a15-gic",
            "arm,cortex-a9-gic", "arm,cortex-a7-gic", "arm,gic-v3-its");
    /** Compatibles of the SMMUs Xen has a driver for ({@code smmu-v3.c}, {@code smmu.c}). */
    public static final List<String> IOMMU_COMPATIBLES = List.of("arm,smmu-v3", "arm,mmu-500", "arm,smmu-v2",
            "arm,mmu-401", "arm,mmu-400", "arm,smmu-v1");

    /**
     * Compatibles of the UARTs Xen has a serial driver for ({@code pl011.c}, {@code cadence-uart.c},
     * {@code ns16550.c}): only such a UART becomes Xen's console.
     */
    public static final List<String> UART_COMPATIBLES = List.of("arm,pl011", "arm,sbsa-uart", "cdns,uart-r1p8",
            "cdns,uart-r1p12", "ns16550", "ns16550a", "snps,dw-apb-uart");

    private HostTree() {
    }

    /**
     * The UART Xen takes for its console ({@code dt_uart_init} with no {@code dtuart=} option): the
     * node {@code /chosen/stdout-path} names (a path, or an alias when it does not start with '/'),
     * the options after ':' ignored, provided Xen has a driver for it; its driver then marks it
     * {@code dt_device_set_used_by(dev, DOMID_XEN)}. Null when there is none.
     */
    public static DtNode consoleUart(DeviceTree host) {
        DtNode chosen = host.root().child("chosen");
        DtProperty p = chosen == null ? null : chosen.property("stdout-path");
        if (p == null) {
            return null;
        }
        String path = p.string();
        int colon = path.indexOf(':');
        if (colon >= 0) {
            path = path.substring(0, colon);
        }
        DtNode n;
        if (path.startsWith("/")) {
            n = host.node(path);
        } else {
            DtNode aliases = host.root().child("aliases");
            n = aliases != null && aliases.has(path) ? host.node(aliases.property(path).string()) : null;
        }
        if (n == null || !n.isEnabled() || n.compatibles().stream().noneMatch(UART_COMPATIBLES::contains)) {
            return null;
        }
        return n;
    }

    /** Compatibles of the GICv2 distributors Xen's {@code gic-v2.c} drives. */
    public static final List<String> GICV2_COMPATIBLES = List.of("arm,gic-400", "arm,cortex-a15-gic",
            "arm,cortex-a9-gic", "arm,cortex-a7-gic");

    /** Whether the host's interrupt controller ({@link #interruptController}) is a GICv2. */
    public static boolean gicv2(DeviceTree host) {
        DtNode p = interruptController(host);
        return p != null && p.compatibles().stream().anyMatch(GICV2_COMPATIBLES::contains);
    }

    /**
     * The GIC Xen drives, as {@code gic_dt_preinit} finds it: the root's {@code interrupt-parent}
     * when it is one, else the first enabled {@code interrupt-controller} node (not the root)
     * that a GIC driver matches. Real trees such as zynqmp.dtsi give the root no
     * {@code interrupt-parent}; Xen does not need one. Null when there is no GIC.
     */
    public static DtNode interruptController(DeviceTree host) {
        DtNode p = null;
        try {
            p = host.root().interruptParent();
        } catch (RuntimeException e) {
            // A dangling interrupt-parent on the root: search as Xen does.
        }
        if (p != null && p.has("interrupt-controller") && isGic(p)) {
            return p;
        }
        for (DtNode n : host.nodes()) {
            if (n.parent() != null && n.isEnabled() && n.has("interrupt-controller") && isGic(n)
                    && !n.compatibles().contains("arm,gic-v3-its")) {
                return n;
            }
        }
        return null;
    }

    public static boolean isGic(DtNode n) {
        return n.compatibles().stream().anyMatch(GIC_COMPATIBLES::contains);
    }

    /** An IOMMU node Xen drives: it takes the node for itself and hides it from Dom0. */
    public static boolean isXenIommu(DtNode n) {
        return n.has("#iommu-cells") && n.compatibles().stream().anyMatch(IOMMU_COMPATIBLES::contains);
    }

    /** A host bridge as {@code handle_linux_pci_domain} sees one: {@code device_type = "pci"} under a non-pci parent. */
    public static boolean isHostBridge(DtNode n) {
        DtProperty t = n.property("device_type");
        if (t == null || !"pci".equals(t.string())) {
            return false;
        }
        DtNode p = n.parent();
        DtProperty pt = p == null ? null : p.property("device_type");
        return pt == null || !"pci".equals(pt.string());
    }

    /** The enabled host bridges in tree order. */
    public static List<DtNode> hostBridges(DeviceTree tree) {
        List<DtNode> out = new ArrayList<>();
        for (DtNode n : tree.nodes()) {
            if (n.isEnabled() && isHostBridge(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Each host bridge's segment as {@code pci_bus_find_domain_nr} gives it: {@code linux,pci-domain}
     * when every bridge has one, else numbered 0, 1, ... in tree order.
     *
     * @throws IllegalArgumentException when some bridges have the property and others do not
     *                                  (Xen: "Inconsistent \"linux,pci-domain\" property in DT")
     */
    public static int[] segments(List<DtNode> bridges) {
        int[] seg = new int[bridges.size()];
        int with = 0;
        for (int i = 0; i < seg.length; i++) {
            DtNode b = bridges.get(i);
            if (b.has("linux,pci-domain")) {
                with++;
                seg[i] = (int) b.u32("linux,pci-domain", 0);
            } else {
                seg[i] = i;
            }
        }
        if (with != 0 && with != seg.length) {
            throw new IllegalArgumentException("Inconsistent \"linux,pci-domain\" property in DT");
        }
        return seg;
    }
}
