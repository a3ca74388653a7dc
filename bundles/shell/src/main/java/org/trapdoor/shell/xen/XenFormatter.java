package org.trapdoor.shell.xen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.HostBridgeStatus;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.apache.felix.service.command.Converter;
import org.trapdoor.shell.command.Table;

/** Renders the Xen commands' results; xl's own text comes from the toolstack as it is. */
public final class XenFormatter {
    private XenFormatter() {
    }

    /** The text for {@code o}, or null if it is none of the Xen commands' types. */
    public static CharSequence format(Object o, int level) {
        if (o instanceof XlOutput x) {
            return level == Converter.INSPECT ? stripNewline(x.text()) : "xl " + x.command();
        }
        if (o instanceof XenStatus s) {
            return level == Converter.INSPECT ? xen(s) : s.version();
        }
        if (o instanceof PolicyListing p) {
            return level == Converter.INSPECT ? policies(p) : p.policies().size() + " policy kinds";
        }
        if (o instanceof GuestLog g) {
            return level == Converter.INSPECT ? String.join("\n", g.lines()) : g.kernel();
        }
        return null;
    }

    private static String stripNewline(String s) {
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    public static String xen(XenStatus s) {
        StringBuilder b = new StringBuilder(s.version()).append('\n');
        b.append("\nhost bridges:\n");
        if (s.bridges().isEmpty()) {
            b.append("  none\n");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NODE", "COMPATIBLE", "SEGMENT", "BUSES", "OWNER", "READY", "REFUSED"});
            for (HostBridgeStatus h : s.bridges()) {
                rows.add(new String[] {h.node(), h.compatible(), String.format("%04x", h.segment()),
                        String.format("%02x-%02x", h.firstBus(), h.lastBus()), h.owner(),
                        (h.ready() ? "yes" : "no") + (h.readyReason() == null || h.readyReason().isEmpty() ? ""
                                : " (" + h.readyReason() + ")"),
                        Long.toString(h.refusedAccesses())});
            }
            b.append(Table.render(rows)).append('\n');
        }
        b.append("\nPCI devices:\n");
        if (s.devices().isEmpty()) {
            b.append("  none reported by Dom0\n");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"BDF", "OWNER", "ASSIGNABLE", "IOMMU", "STREAMS", "IOMMU CONTEXT"});
            for (PciDeviceStatus d : s.devices()) {
                List<String> sids = new ArrayList<>();
                for (int sid : d.streamIds()) {
                    sids.add("0x" + Integer.toHexString(sid));
                }
                rows.add(new String[] {d.bdf(), d.owner(), d.assignable() ? "yes" : "no",
                        d.iommu() == null ? "-" : d.iommu(), sids.isEmpty() ? "-" : String.join(",", sids),
                        d.iommuContext() == null ? "-" : d.iommuContext()});
            }
            b.append(Table.render(rows)).append('\n');
        }
        b.append("\ndomains:\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "NAME", "STATE", "PCI (HOST->VIRTUAL)", "STAGE-2 ABORTS", "TRAP ABORTS",
                "DMA FAULTS"});
        for (Domain d : s.domains()) {
            List<String> pci = new ArrayList<>();
            for (PciAssignment a : d.pci()) {
                pci.add(a.hostBdf() + "->" + a.virtualBdf());
            }
            rows.add(new String[] {Integer.toString(d.id()), d.name(), d.state().name().toLowerCase(Locale.ROOT),
                    pci.isEmpty() ? "-" : String.join(",", pci), Long.toString(d.stage2Aborts()),
                    Long.toString(d.trapAborts()), Long.toString(d.dmaFaults())});
        }
        b.append(Table.render(rows));
        return b.toString();
    }

    /** One row per kind (and domain): the active implementation, every one registered (active starred), the fallback. */
    public static String policies(PolicyListing p) {
        StringBuilder b = new StringBuilder();
        if (p.change() != null) {
            b.append(p.change()).append("\n\n");
        }
        if (p.policies().isEmpty()) {
            return b.append("no policy kinds").toString();
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "DOMAIN", "ACTIVE", "AVAILABLE", "FALLBACK"});
        for (PolicyInfo i : p.policies()) {
            List<String> avail = new ArrayList<>();
            for (String n : i.available()) {
                avail.add(n.equals(i.active()) ? n + "*" : n);
            }
            rows.add(new String[] {i.kind(), i.domain() == null ? "-" : i.domain(),
                    i.active() == null ? "-" : i.active(), avail.isEmpty() ? "-" : String.join(",", avail),
                    i.fallback() == null ? "-" : i.fallback()});
        }
        return b.append(Table.render(rows)).toString();
    }
}
