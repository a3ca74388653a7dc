package org.trapdoor.api.pci.ecam;

import java.util.List;

import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;

/**
 * Xen's {@code pci_host_common_probe} and {@code gen_pci_init}: find the config window (by
 * {@code reg-names} or index), the bus range it decodes and the outbound windows, and build the
 * bridge. A plain vendor ECAM bridge is a driver that calls {@link #probe}.
 */
public final class EcamProbe {
    private EcamProbe() {
    }

    /**
     * Parses the node's config window.
     *
     * @throws BindException when the window is missing, smaller than one bus, or {@code bus-range}
     *                       or {@code ranges} is malformed; the message names the node
     */
    public static EcamWindow window(DtNode node, EcamOps ops) throws BindException {
        try {
            List<RegEntry> reg = node.reg();
            String name = ops.configRegName();
            int index = 0;
            if (name != null) {
                index = -1;
                for (int i = 0; i < reg.size(); i++) {
                    if (name.equals(reg.get(i).name())) {
                        index = i;
                    }
                }
                if (index < 0) {
                    throw new BindException(node.path() + ": no reg entry named \"" + name
                            + "\" in reg-names: the ECAM window is missing");
                }
            } else if (reg.isEmpty()) {
                throw new BindException(node.path() + ": no reg: the ECAM window is missing");
            }
            BusRange range = node.busRange();
            return new EcamWindow(node.path(), index, reg.get(index), range.first(), range.last(), node.pciRanges(),
                    ops.layout());
        } catch (DeviceTreeException | IllegalArgumentException e) {
            throw new BindException(e.getMessage(), e);
        }
    }

    /** A bridge that is nothing but its ECAM window: every function reachable at once. */
    public static EcamHost probe(BindContext context, EcamOps ops) throws BindException {
        DtNode node = context.node();
        return new EcamHost(window(node, ops), context.pci(), ops.rootPort(node), ConfigGate.OPEN, context.tracing());
    }
}
