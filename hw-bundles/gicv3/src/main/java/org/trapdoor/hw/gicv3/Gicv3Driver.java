package org.trapdoor.hw.gicv3;

import java.util.ArrayList;
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
 * Binds {@code arm,gic-v3} nodes: {@code reg[0]} is the distributor (64 KiB), {@code reg[1]} the
 * redistributor region (128 KiB per CPU); the CPUs are the {@code device_type = "cpu"} nodes
 * under {@code /cpus}, whose {@code reg} (MPIDR) gives each redistributor's affinity.
 */
@Component(service = HardwareDriver.class, configurationPid = "org.trapdoor.hw.gicv3")
@Designate(ocd = Gicv3Driver.Config.class)
public final class Gicv3Driver implements HardwareDriver {
    @ObjectClassDefinition(name = "Trapdoor GICv3", description = "Shape of modelled GICv3 distributors")
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
        return "gicv3";
    }

    @Override
    public List<String> compatibles() {
        return List.of("arm,gic-v3");
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        DtNode node = context.node();
        List<RegEntry> reg = node.reg();
        if (reg.size() < 2) {
            throw new BindException(node.path() + ": arm,gic-v3 needs reg for GICD and the redistributor region");
        }
        if (node.u32("#redistributor-regions", 1) != 1) {
            throw new BindException(node.path() + ": only one redistributor region is modelled");
        }
        if (reg.get(0).size() < Gicv3.GICD_SIZE) {
            throw new BindException(node.path() + ": GICD region is smaller than 64 KiB");
        }
        long[] affinity = cpuAffinities(node.root());
        if (affinity.length == 0) {
            throw new BindException(node.path() + ": no device_type = \"cpu\" nodes under /cpus");
        }
        long needed = (long) affinity.length * Gicv3.REDIST_STRIDE;
        if (reg.get(1).size() < needed) {
            throw new BindException(String.format("%s: redistributor region 0x%x is too small for %d CPUs (needs 0x%x)",
                    node.path(), reg.get(1).size(), affinity.length, needed));
        }
        int n = spis;
        if (n < 32 || n > 988 || n % 32 != 0) {
            throw new BindException(node.path() + ": configured SPI count " + n + " is not a multiple of 32 in 32..988");
        }
        return new Gicv3(node.path(), n, affinity, context.memory(), context.tracing());
    }

    /** Each CPU's MPIDR as Aff3.Aff2.Aff1.Aff0 (GICR_TYPER[63:32]), in /cpus order. */
    static long[] cpuAffinities(DtNode root) {
        DtNode cpus = root.child("cpus");
        List<Long> out = new ArrayList<>();
        if (cpus != null) {
            for (DtNode c : cpus.children()) {
                DtProperty type = c.property("device_type");
                if (type == null || !"cpu".equals(type.string()) || !c.isEnabled()) {
                    continue;
                }
                DtProperty reg = c.property("reg");
                long mpidr = reg == null || reg.cellCount() == 0 ? out.size() : reg.cells(0, Math.min(reg.cellCount(), 2));
                out.add((((mpidr >>> 32) & 0xff) << 24) | (mpidr & 0xff_ffffL));
            }
        }
        long[] a = new long[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }
}
