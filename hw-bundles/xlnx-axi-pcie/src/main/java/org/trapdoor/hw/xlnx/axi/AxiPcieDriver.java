package org.trapdoor.hw.xlnx.axi;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtInterrupt;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.pci.ecam.EcamOps;
import org.trapdoor.api.pci.ecam.EcamProbe;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/** Binds {@code xlnx,axi-pcie-host-1.00.a}: reg 0 is the ECAM window, the one interrupt is a GIC SPI. */
@Component(service = HardwareDriver.class)
public final class AxiPcieDriver implements HardwareDriver {
    public static final String COMPATIBLE = "xlnx,axi-pcie-host-1.00.a";
    private static final EcamOps OPS = new EcamOps() {
    };

    @Override
    public String name() {
        return "xlnx-axi-pcie";
    }

    @Override
    public List<String> compatibles() {
        return List.of(COMPATIBLE);
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        DtNode node = context.node();
        try {
            List<DtInterrupt> irqs = node.interrupts();
            if (irqs.isEmpty() || irqs.get(0).cellCount() < 2 || irqs.get(0).cell(0) != 0) {
                throw new BindException(node.path() + ": the bridge's interrupt must be a GIC SPI");
            }
            DtNode gic = irqs.get(0).parent();
            return new AxiPcie(node.path(), EcamProbe.window(node, OPS), context.pci(), (int) irqs.get(0).cell(1) + 32,
                    context.ref(gic, InterruptController.class), context.msiLedger());
        } catch (DeviceTreeException e) {
            throw new BindException(e.getMessage(), e);
        }
    }
}
