package org.trapdoor.shell.lspci;

import java.util.List;

import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.pci.ecam.EcamLayout;

/**
 * One ECAM window to read config space through, as pciutils' {@code ecam} method finds it in
 * the device tree: the config region, the bus range it starts at, the PCI domain.
 */
public record EcamHost(String node, int segment, long base, int busFirst, int busLast) {

    /**
     * The ECAM host of a host-bridge node: the {@code reg} entry named {@code cfg} (ZynqMP NWL,
     * AXI) or else the first one, {@code bus-range} clamped to the window, {@code linux,pci-domain}
     * or {@code defaultSegment}. Returns {@code null} for bridges whose config space is not ECAM.
     */
    public static EcamHost of(DtNode n, int defaultSegment) {
        if (n.compatibles().contains("apm,xgene-pcie")) {
            return null;
        }
        List<RegEntry> reg = n.reg();
        RegEntry cfg = n.reg("cfg");
        if (cfg == null) {
            if (reg.isEmpty()) {
                return null;
            }
            cfg = reg.get(0);
        }
        BusRange r = BusRange.of(n);
        long buses = EcamLayout.ECAM.buses(cfg.size());
        if (buses < 1) {
            return null;
        }
        int last = (int) Math.min(r.last(), r.first() + buses - 1);
        return new EcamHost(n.path(), (int) n.u32("linux,pci-domain", defaultSegment), cfg.address(), r.first(), last);
    }
}
