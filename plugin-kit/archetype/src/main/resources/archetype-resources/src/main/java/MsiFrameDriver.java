package ${package};

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * Binds {@code ${msiCompatible}}: {@code reg} entry 0 is the frame, {@code arm,msi-base-spi} and
 * {@code arm,msi-num-spis} its SPIs (as a GICv2m frame states them), the interrupt parent the GIC.
 */
@Component(service = HardwareDriver.class)
public final class MsiFrameDriver implements HardwareDriver {
    public static final String COMPATIBLE = "${msiCompatible}";

    @Override
    public String name() {
        return "${driverName}-msi";
    }

    @Override
    public List<String> compatibles() {
        return List.of(COMPATIBLE);
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        DtNode node = context.node();
        try {
            long base = node.u32("arm,msi-base-spi", -1);
            long count = node.u32("arm,msi-num-spis", -1);
            DtNode gic = node.interruptParent();
            if (base < 32 || count < 1 || base + count > 1020 || gic == null || node.reg().isEmpty()) {
                throw new BindException(node.path() + ": needs reg, an interrupt parent and SPIs 32..1019"
                        + " in arm,msi-base-spi/arm,msi-num-spis (base " + base + ", count " + count + ")");
            }
            return new MsiFrame(node.reg().get(0).address(), (int) base, (int) count,
                    context.ref(gic, InterruptController.class), context.msiLedger());
        } catch (DeviceTreeException e) {
            throw new BindException(e.getMessage(), e);
        }
    }
}
