package org.trapdoor.hw.pci.ecam;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.api.pci.ecam.EcamOps;
import org.trapdoor.api.pci.ecam.EcamProbe;

/** The driver for {@code pci-host-ecam-generic}: reg 0 is the ECAM window. */
@Component(service = HardwareDriver.class)
public final class EcamDriver implements HardwareDriver {
    public static final String NAME = "pci-ecam";
    public static final String COMPATIBLE = "pci-host-ecam-generic";
    /** Xen's pci_generic_ecam_ops: bus shift 20, reg entry 0, plain accessors. */
    private static final EcamOps GENERIC = new EcamOps() {
    };

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
        return new EcamHostBridge(EcamProbe.window(context.node(), GENERIC), context.pci(), context.tracing());
    }
}
