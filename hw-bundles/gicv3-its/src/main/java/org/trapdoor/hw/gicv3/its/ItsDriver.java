package org.trapdoor.hw.gicv3.its;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/** Binds {@code arm,gic-v3-its} nodes: one 128 KiB frame; the GIC is the parent node. */
@Component(service = HardwareDriver.class)
public final class ItsDriver implements HardwareDriver {
    @Override
    public String name() {
        return "gicv3-its";
    }

    @Override
    public List<String> compatibles() {
        return List.of("arm,gic-v3-its");
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        DtNode node = context.node();
        List<RegEntry> reg = node.reg();
        if (reg.isEmpty()) {
            throw new BindException(node.path() + ": arm,gic-v3-its needs a reg entry");
        }
        if (reg.get(0).size() < Its.FRAME_SIZE) {
            throw new BindException(String.format("%s: ITS frame is 0x%x bytes; it needs 128 KiB (control + translation)",
                    node.path(), reg.get(0).size()));
        }
        DtNode parent = node.parent();
        if (parent == null || !parent.compatibles().contains("arm,gic-v3")) {
            throw new BindException(node.path() + ": an ITS must be a child of an arm,gic-v3 node");
        }
        return new Its(node.path(), reg.get(0).address(), context.memory(),
                context.ref(parent, InterruptController.class), context.msiLedger(), context.tracing());
    }
}
