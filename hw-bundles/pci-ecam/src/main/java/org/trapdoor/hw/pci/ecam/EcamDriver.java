package org.trapdoor.hw.pci.ecam;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.platform.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/** The driver for {@code pci-host-ecam-generic}: reg 0 is the ECAM window. */
@Component(service = HardwareDriver.class)
public final class EcamDriver implements HardwareDriver {
    public static final String NAME = "pci-ecam";
    public static final String COMPATIBLE = "pci-host-ecam-generic";

    @Override
    public String name() {
        return NAME;
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
            if (reg.isEmpty()) {
                throw new BindException(node.path() + ": no reg: the ECAM window is missing");
            }
            return new EcamHostBridge(node.path(), reg.get(0), node.busRange(), node.pciRanges(), context.pci());
        } catch (DeviceTreeException | IllegalArgumentException e) {
            throw new BindException(e.getMessage(), e);
        }
    }
}
