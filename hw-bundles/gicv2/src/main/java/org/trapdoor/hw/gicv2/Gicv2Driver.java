package org.trapdoor.hw.gicv2;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * Binds GICv2 nodes: {@code reg[0]} GICD (4 KiB), {@code reg[1]} GICC (8 KiB); the hypervisor
 * interface entries, if any, are not served. The CPU count comes from {@code /cpus}.
 */
@Component(service = HardwareDriver.class, configurationPid = "org.trapdoor.hw.gicv2")
@Designate(ocd = Gicv2Driver.Config.class)
public final class Gicv2Driver implements HardwareDriver {
    @ObjectClassDefinition(name = "Trapdoor GICv2", description = "Shape of modelled GICv2 distributors")
    public @interface Config {
        @AttributeDefinition(description = "SPIs the distributor implements (multiple of 32, 32..988); QEMU virt has 256")
        int spis() default 256;
    }

    private volatile int spis = 256;

    @Activate
    @Modified
    void configure(Config config) {
        spis = config.spis();
    }

    @Override
    public String name() {
        return "gicv2";
    }

    @Override
    public List<String> compatibles() {
        return List.of("arm,gic-400", "arm,cortex-a15-gic");
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        DtNode node = context.node();
        List<RegEntry> reg = node.reg();
        if (reg.size() < 2) {
            throw new BindException(node.path() + ": a GICv2 needs reg for GICD and GICC");
        }
        if (reg.get(0).size() < Gicv2.GICD_SIZE) {
            throw new BindException(node.path() + ": GICD region is smaller than 4 KiB");
        }
        // 4 KiB is enough: the second page only holds GICC_DIR, which X-Gene's GIC-400 frame
        // (apm-mustang: GICC 0x1000) does not map.
        if (reg.get(1).size() < 0x1000) {
            throw new BindException(node.path() + ": GICC region is smaller than 4 KiB");
        }
        int cpus = cpuCount(node.root());
        if (cpus < 1 || cpus > Gicv2.MAX_CPUS) {
            throw new BindException(node.path() + ": a GICv2 serves 1..8 CPUs, /cpus has " + cpus);
        }
        int n = spis;
        if (n < 32 || n > 988 || n % 32 != 0) {
            throw new BindException(node.path() + ": configured SPI count " + n + " is not a multiple of 32 in 32..988");
        }
        return new Gicv2(node.path(), n, cpus, context.tracing());
    }

    static int cpuCount(DtNode root) {
        DtNode cpus = root.child("cpus");
        int n = 0;
        if (cpus != null) {
            for (DtNode c : cpus.children()) {
                DtProperty type = c.property("device_type");
                if (type != null && "cpu".equals(type.string()) && c.isEnabled()) {
                    n++;
                }
            }
        }
        return n;
    }
}
