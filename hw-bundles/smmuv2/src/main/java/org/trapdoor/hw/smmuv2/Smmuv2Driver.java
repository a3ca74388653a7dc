package org.trapdoor.hw.smmuv2;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * Driver service for Arm SMMUv2 and MMU-500 nodes: one {@link Smmuv2} per node, sized from the
 * node's {@code reg} (global space in the lower half, one 4 KiB page per context bank above).
 */
@Component(service = HardwareDriver.class)
public final class Smmuv2Driver implements HardwareDriver {
    @Override
    public String name() {
        return "smmuv2";
    }

    @Override
    public List<String> compatibles() {
        return List.of("arm,mmu-500", "arm,smmu-v2");
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        List<RegEntry> reg;
        try {
            reg = context.node().reg();
        } catch (RuntimeException e) {
            throw new BindException(context.node().path() + ": " + e.getMessage(), e);
        }
        if (reg.isEmpty()) {
            throw new BindException(context.node().path() + ": an SMMUv2 needs a reg entry");
        }
        long size = reg.get(0).size();
        if (size < Smmuv2.MIN_SIZE || size > Smmuv2.MAX_SIZE || Long.bitCount(size) != 1) {
            throw new BindException(String.format(
                    "%s: reg size 0x%x is not a power of two between 0x%x and 0x%x (4 KiB pages, half of them context banks)",
                    context.node().path(), size, Smmuv2.MIN_SIZE, Smmuv2.MAX_SIZE));
        }
        return new Smmuv2(context.node().path(), (int) size, context.memory(), context.tracing());
    }
}
