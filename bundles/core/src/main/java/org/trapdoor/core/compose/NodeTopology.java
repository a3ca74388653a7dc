package org.trapdoor.core.compose;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.core.bus.Region;
import org.trapdoor.core.bus.SystemBus;

/**
 * Where a node sits: enabled or not, whether its {@code reg} holds CPU addresses, whether it is a
 * PCI host bridge; and the mapping of a node's {@code reg} entries into the system address space
 * through its slot, done once when the machine is composed.
 */
final class NodeTopology {
    private static final Logger LOG = LoggerFactory.getLogger(NodeTopology.class);

    private NodeTopology() {
    }

    /** Enabled when the node and every ancestor are. */
    static boolean enabled(DtNode n) {
        for (DtNode p = n; p != null; p = p.parent()) {
            if (!p.isEnabled()) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when the node's {@code reg} holds CPU addresses: every bus between it and the root has
     * {@code ranges} and is not a PCI bus (whose children's reg is a config-space address).
     */
    static boolean onCpuBus(DtNode n) {
        DtNode p = n.parent();
        if (p == null) {
            return false;
        }
        for (; p.parent() != null; p = p.parent()) {
            if (!p.has("ranges") || isPci(p)) {
                return false;
            }
        }
        return true;
    }

    /** A PCI host bridge: {@code device_type = "pci"}. */
    static boolean isPci(DtNode n) {
        return n.has("device_type") && n.property("device_type").string().equals("pci");
    }

    /**
     * Maps every {@code reg} entry of the slot's node into {@code bus} through a {@link RegionPort}
     * of the slot, bound or not; what cannot be mapped is kept as the slot's problem.
     */
    static void mapRegions(NodeSlot s, SystemBus bus) {
        List<RegEntry> regs;
        try {
            regs = s.node().reg();
        } catch (DeviceTreeException e) {
            s.mapProblems.add(e.getMessage());
            LOG.warn("{}", e.getMessage());
            return;
        }
        s.regCount = regs.size();
        for (int i = 0; i < regs.size(); i++) {
            RegEntry r = regs.get(i);
            if (r.size() == 0) {
                continue;
            }
            String name = s.node().path() + (r.name() != null ? " (" + r.name() + ")" : regs.size() > 1 ? " [" + i + "]" : "");
            try {
                Region mapped = bus.map(r.address(), r.size(), name, new RegionPort(s, i));
                s.mapped.add(mapped);
                for (Region o : bus.overlapping(mapped)) {
                    // Real trees overlap (X-Gene's PCIe csr holds its clock's registers): said, not refused.
                    Region first = Region.DECODES_FIRST.compare(mapped, o) < 0 ? mapped : o;
                    LOG.info("{} overlaps {}: {} decodes the shared addresses (the smaller region)", mapped, o,
                            first.name());
                }
            } catch (IllegalArgumentException e) {
                s.mapProblems.add("reg " + i + " not mapped: " + e.getMessage());
                LOG.warn("{}", e.getMessage());
            }
        }
    }
}
