package org.trapdoor.hw.gicv2m;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * Binds {@code arm,gic-v2m-frame} nodes (children of the GIC node). The SPI range comes from
 * {@code arm,msi-base-spi}/{@code arm,msi-num-spis}, else QEMU virt's 64 SPIs from INTID 80.
 */
@Component(service = HardwareDriver.class, configurationPid = "org.trapdoor.hw.gicv2m")
@Designate(ocd = Gicv2mDriver.Config.class)
public final class Gicv2mDriver implements HardwareDriver {
    @ObjectClassDefinition(name = "Trapdoor GICv2m", description = "GICv2m frame options")
    public @interface Config {
        @AttributeDefinition(description = "MSI_IIDR value: 0 (QEMU), 0x06000170 (X-Gene quirk), 0x0000013F (NS2 quirk)")
        long iidr() default 0;
    }

    private volatile int iidr;

    @Activate
    @Modified
    void configure(Config config) {
        iidr = (int) config.iidr();
    }

    @Override
    public String name() {
        return "gicv2m";
    }

    @Override
    public List<String> compatibles() {
        return List.of("arm,gic-v2m-frame");
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        DtNode node = context.node();
        List<RegEntry> reg = node.reg();
        if (reg.isEmpty() || reg.get(0).size() < Gicv2m.FRAME_SIZE) {
            throw new BindException(node.path() + ": arm,gic-v2m-frame needs a 4 KiB reg entry");
        }
        if (node.parent() == null || node.parent().parent() == null) {
            throw new BindException(node.path() + ": a v2m frame must be a child of its GIC node");
        }
        boolean hasBase = node.has("arm,msi-base-spi");
        boolean hasNum = node.has("arm,msi-num-spis");
        if (hasBase != hasNum) {
            throw new BindException(node.path() + ": arm,msi-base-spi and arm,msi-num-spis go together");
        }
        long base = node.u32("arm,msi-base-spi", Gicv2m.DEFAULT_BASE);
        long num = node.u32("arm,msi-num-spis", Gicv2m.DEFAULT_COUNT);
        if (base < 32 || num < 1 || base + num > 1020) {
            throw new BindException(String.format("%s: SPI range %d+%d is outside INTIDs 32..1019", node.path(), base, num));
        }
        return new Gicv2m(reg.get(0).address(), (int) base, (int) num, iidr,
                context.ref(node.parent(), InterruptController.class), context.msiLedger(), context.tracing());
    }
}
