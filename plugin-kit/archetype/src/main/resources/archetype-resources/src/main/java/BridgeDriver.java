package ${package};

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.pci.ecam.EcamOps;
import org.trapdoor.api.pci.ecam.EcamProbe;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * The {@code ${compatible}} host bridge: a plain ECAM bridge. The window's decode, the bus-range
 * check, the 8-byte split, all-ones for absent functions and the outbound windows are the
 * Trapdoor API's shared mechanism (Xen's {@code pci_ecam_ops} and {@code pci_host_common_probe});
 * this class states only what differs, as Xen's {@code pci-host-zynqmp.c} does.
 */
@Component(service = HardwareDriver.class)
public final class BridgeDriver implements HardwareDriver {
    public static final String COMPATIBLE = "${compatible}";

    /**
     * What this bridge says about itself: the config window is {@code reg} entry 0 with 1 MiB per
     * bus. A bridge whose window is a named entry overrides {@code configRegName()}; one with a
     * root port of its own overrides {@code rootPort(node)}.
     */
    static final EcamOps OPS = new EcamOps() {
    };

    @Override
    public String name() {
        return "${driverName}";
    }

    @Override
    public List<String> compatibles() {
        return List.of(COMPATIBLE);
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        return EcamProbe.probe(context, OPS);
    }
}
