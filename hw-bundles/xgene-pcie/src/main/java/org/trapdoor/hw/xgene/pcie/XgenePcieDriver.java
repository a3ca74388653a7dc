package org.trapdoor.hw.xgene.pcie;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * Binds {@code apm,xgene-pcie} (the string {@code xgene_pcie_match_table} matches; the tree's
 * first, {@code apm,xgene-storm-pcie}, has no driver): regions by {@code reg-names}
 * ({@code xgene_pcie_map_reg}: {@code csr}, {@code cfg}), the clock from {@code clocks}.
 */
@Component(service = HardwareDriver.class)
public final class XgenePcieDriver implements HardwareDriver {
    public static final String COMPATIBLE = "apm,xgene-pcie";

    @Override
    public String name() {
        return "xgene-pcie";
    }

    @Override
    public List<String> compatibles() {
        return List.of(COMPATIBLE);
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        DtNode node = context.node();
        try {
            List<RegEntry> reg = node.reg();
            int csr = index(node, reg, "csr");
            int cfg = index(node, reg, "cfg");
            if (reg.get(csr).size() < XgenePcie.CSR_SIZE) {
                throw new BindException(String.format("%s: csr is 0x%x bytes, the controller's registers need 0x%x",
                        node.path(), reg.get(csr).size(), XgenePcie.CSR_SIZE));
            }
            if (reg.get(cfg).size() < 2L * XgenePcie.AXI_EP_CFG_ACCESS) {
                throw new BindException(String.format("%s: cfg is 0x%x bytes: it must reach cfg + 0x10000 (config cycles to the bus)",
                        node.path(), reg.get(cfg).size()));
            }
            BusRange buses = node.busRange();
            ModelRef<XgeneDeviceClock> clock = null;
            List<PhandleRef> clocks = PhandleRef.parse(node, "clocks", "#clock-cells", 0);
            if (!clocks.isEmpty() && clocks.get(0).node() != null) {
                clock = context.ref(clocks.get(0).node(), XgeneDeviceClock.class);
            }
            return new XgenePcie(node.path(), csr, cfg, reg.get(cfg).size(), buses.first(), buses.last(), context.pci(),
                    clock, context.msiLedger());
        } catch (DeviceTreeException e) {
            throw new BindException(e.getMessage(), e);
        }
    }

    private static int index(DtNode node, List<RegEntry> reg, String name) throws BindException {
        for (int i = 0; i < reg.size(); i++) {
            if (name.equals(reg.get(i).name())) {
                return i;
            }
        }
        throw new BindException(node.path() + ": no \"" + name + "\" in reg-names (xgene_pcie_map_reg)");
    }
}
