package org.trapdoor.hw.smmuv3;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/** Driver service for Arm SMMUv3 nodes ({@code arm,smmu-v3}): one {@link Smmuv3} per node. */
@Component(service = HardwareDriver.class)
public final class Smmuv3Driver implements HardwareDriver {
    @Override
    public String name() {
        return "smmuv3";
    }

    @Override
    public List<String> compatibles() {
        return List.of("arm,smmu-v3");
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
            throw new BindException(context.node().path() + ": arm,smmu-v3 needs a reg entry (128 KiB: page 0 and page 1)");
        }
        if (reg.get(0).size() < Smmuv3.FRAME_SIZE) {
            throw new BindException(String.format("%s: reg size 0x%x is smaller than the SMMUv3's two 64 KiB pages (0x%x)",
                    context.node().path(), reg.get(0).size(), Smmuv3.FRAME_SIZE));
        }
        // The data-capturing abort is a capability of this model, switched on per node.
        return new Smmuv3(context.node().path(), context.memory(), context.system(),
                context.node().has("trapdoor,fault-write-data"), context.tracing());
    }
}
