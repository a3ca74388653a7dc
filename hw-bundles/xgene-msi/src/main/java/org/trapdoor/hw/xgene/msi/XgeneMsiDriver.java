package org.trapdoor.hw.xgene.msi;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtInterrupt;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * Binds {@code apm,xgene1-msi}: {@code reg} 0 is the termination block (0x900000 bytes), the 16
 * {@code interrupts} are the groups' GIC SPIs in group order ({@code xgene_msi_probe}'s
 * {@code platform_get_irq(pdev, irq_index)}).
 */
@Component(service = HardwareDriver.class)
public final class XgeneMsiDriver implements HardwareDriver {
    public static final String COMPATIBLE = "apm,xgene1-msi";

    @Override
    public String name() {
        return "xgene1-msi";
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
            if (reg.isEmpty() || reg.get(0).size() < XgeneMsi.SIZE) {
                throw new BindException(String.format("%s: reg must cover the 0x%x-byte termination block", node.path(),
                        XgeneMsi.SIZE));
            }
            List<DtInterrupt> irqs = node.interrupts();
            if (irqs.size() != XgeneMsi.GROUPS) {
                throw new BindException(node.path() + ": " + irqs.size() + " interrupts; the block has one SPI per group, "
                        + XgeneMsi.GROUPS);
            }
            int[] spis = new int[XgeneMsi.GROUPS];
            for (int n = 0; n < spis.length; n++) {
                DtInterrupt i = irqs.get(n);
                if (i.cellCount() < 2 || i.cell(0) != 0) {
                    throw new BindException(node.path() + ": interrupt " + n + " is not a GIC SPI");
                }
                spis[n] = (int) i.cell(1) + 32;
            }
            DtNode gic = irqs.get(0).parent();
            return new XgeneMsi(node.path(), reg.get(0).address(), spis, context.ref(gic, InterruptController.class),
                    context.msiLedger());
        } catch (DeviceTreeException e) {
            throw new BindException(e.getMessage(), e);
        }
    }
}
