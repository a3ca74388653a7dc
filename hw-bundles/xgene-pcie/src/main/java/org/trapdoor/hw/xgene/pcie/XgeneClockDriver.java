package org.trapdoor.hw.xgene.pcie;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * Binds {@code apm,xgene-device-clock} nodes that have a {@code csr-reg} page, with
 * {@code clk-xgene.c}'s defaults for the offsets and masks the node leaves out.
 */
@Component(service = HardwareDriver.class)
public final class XgeneClockDriver implements HardwareDriver {
    public static final String COMPATIBLE = "apm,xgene-device-clock";

    @Override
    public String name() {
        return "xgene-device-clock";
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
            int csr = -1;
            for (int i = 0; i < reg.size(); i++) {
                if ("csr-reg".equals(reg.get(i).name())) {
                    csr = i;
                }
            }
            if (csr < 0) {
                throw new BindException(node.path() + ": no \"csr-reg\" in reg-names: a divider-only clock has no gate to model");
            }
            int csrOffset = (int) node.u32("csr-offset", 0);
            int enableOffset = (int) node.u32("enable-offset", 8);
            if (csrOffset < 0 || csrOffset > XgeneDeviceClock.PAGE - 4 || (csrOffset & 3) != 0 || enableOffset < 0
                    || enableOffset > XgeneDeviceClock.PAGE - 4 || (enableOffset & 3) != 0 || csrOffset == enableOffset) {
                throw new BindException(String.format("%s: csr-offset 0x%x / enable-offset 0x%x must be distinct aligned registers of the page",
                        node.path(), csrOffset, enableOffset));
            }
            return new XgeneDeviceClock(node.path(), csr, csrOffset, node.u32("csr-mask", 0xf), enableOffset,
                    node.u32("enable-mask", 0xf));
        } catch (DeviceTreeException e) {
            throw new BindException(e.getMessage(), e);
        }
    }
}
