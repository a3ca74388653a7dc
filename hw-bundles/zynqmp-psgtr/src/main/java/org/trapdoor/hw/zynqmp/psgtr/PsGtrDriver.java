package org.trapdoor.hw.zynqmp.psgtr;

import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.phy.LaneProtocol;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * Binds {@code xlnx,zynqmp-psgtr-v1.1} / {@code xlnx,zynqmp-psgtr}: regions {@code serdes} and
 * {@code siou}; the lane plan comes from the enabled consumers' {@code phys} specifiers
 * ({@code <&psgtr LANE TYPE INSTANCE REFCLK>}), checked as {@code xpsgtr_xlate} checks them.
 */
@Component(service = HardwareDriver.class)
public final class PsGtrDriver implements HardwareDriver {
    @Override
    public String name() {
        return "zynqmp-psgtr";
    }

    @Override
    public List<String> compatibles() {
        return List.of("xlnx,zynqmp-psgtr-v1.1", "xlnx,zynqmp-psgtr");
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        DtNode node = context.node();
        try {
            if (node.reg("serdes") == null && node.reg().isEmpty()) {
                throw new BindException(node.path() + ": no serdes region in reg");
            }
            List<List<String>> claims = new ArrayList<>();
            for (int i = 0; i < PsGtr.LANES; i++) {
                claims.add(new ArrayList<>());
            }
            LaneProtocol[] initial = new LaneProtocol[PsGtr.LANES];
            java.util.Arrays.fill(initial, LaneProtocol.NONE);
            List<String> conflicts = new ArrayList<>();
            for (DtNode n : node.root().subtree()) {
                if (!n.isEnabled() || !n.has("phys")) {
                    continue;
                }
                for (PhandleRef ref : PhandleRef.parse(n, "phys", "#phy-cells", 0)) {
                    if (ref.node() != node) {
                        continue;
                    }
                    claim(node, n, ref, claims, initial, conflicts);
                }
            }
            return new PsGtr(node.path(), claims, initial, conflicts);
        } catch (DeviceTreeException e) {
            throw new BindException(e.getMessage(), e);
        }
    }

    private static void claim(DtNode phy, DtNode consumer, PhandleRef ref, List<List<String>> claims,
            LaneProtocol[] initial, List<String> conflicts) {
        if (ref.argCount() != 4) {
            conflicts.add(consumer.path() + ": phys gives " + ref.argCount() + " cells for " + phy.path() + ", not 4");
            return;
        }
        long lane = ref.arg(0);
        LaneProtocol p = LaneProtocol.ofPhyType(ref.arg(1));
        if (lane < 0 || lane >= PsGtr.LANES || p == null) {
            conflicts.add(String.format("%s: phys names lane %d type %d, which %s does not have", consumer.path(), lane,
                    ref.arg(1), phy.path()));
            return;
        }
        int l = (int) lane;
        if (PsGtr.instance(l, p) != ref.arg(2)) {
            conflicts.add(String.format("%s: lane %d carries %s instance %d, not %d", consumer.path(), l, p,
                    PsGtr.instance(l, p), ref.arg(2)));
            return;
        }
        claims.get(l).add(consumer.path());
        if (initial[l] != LaneProtocol.NONE) {
            conflicts.add(String.format("lane %d is claimed by %s as well as %s; it stays %s", l, consumer.path(),
                    claims.get(l).get(0), initial[l]));
            return;
        }
        initial[l] = p;
    }
}
