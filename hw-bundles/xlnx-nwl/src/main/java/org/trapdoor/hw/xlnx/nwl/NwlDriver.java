package org.trapdoor.hw.xlnx.nwl;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtInterrupt;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.pci.ecam.EcamOps;
import org.trapdoor.api.pci.ecam.EcamProbe;
import org.trapdoor.api.pci.ecam.EcamWindow;
import org.trapdoor.api.phy.LaneProvider;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.api.model.ModelRef;

/**
 * Binds {@code xlnx,nwl-pcie-2.11} (Linux and Xen match this string, not {@code -2.0}): regions
 * by {@code reg-names} ({@code breg}, {@code pcireg}, {@code cfg}: the config window, as Xen's
 * {@code nwl_pcie_ops} names it), SPIs {@code msi0}/{@code msi1} by {@code interrupt-names}, and
 * the PS-GTR from {@code phys} or, lacking it (Linux 6.1's zcu102 tree has none), the tree's
 * enabled PS-GTR node.
 */
@Component(service = HardwareDriver.class)
public final class NwlDriver implements HardwareDriver {
    public static final String COMPATIBLE = "xlnx,nwl-pcie-2.11";
    /** Xen's nwl_pcie_ops: the config window is "cfg", bus shift 20. */
    static final EcamOps OPS = new EcamOps() {
        @Override
        public String configRegName() {
            return "cfg";
        }
    };

    @Override
    public String name() {
        return "xlnx-nwl";
    }

    @Override
    public List<String> compatibles() {
        return List.of(COMPATIBLE);
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        DtNode node = context.node();
        EcamWindow cfg = EcamProbe.window(node, OPS);
        try {
            List<RegEntry> reg = node.reg();
            int breg = index(node, reg, "breg");
            int pcireg = index(node, reg, "pcireg");
            int msi0 = spi(node, "msi0");
            int msi1 = spi(node, "msi1");
            DtNode gic = node.interruptParent();
            if (gic == null) {
                throw new BindException(node.path() + ": no interrupt-parent for msi0/msi1");
            }
            DtNode phyNode = null;
            int instance = 0;
            for (PhandleRef r : PhandleRef.parse(node, "phys", "#phy-cells", 0)) {
                if (r.argCount() == 4) {
                    phyNode = r.node();
                    instance = (int) r.arg(2);
                    break;
                }
            }
            if (phyNode == null) {
                phyNode = node.root().subtree().stream().filter(DtNode::isEnabled)
                        .filter(n -> n.compatibles().stream().anyMatch(c -> c.startsWith("xlnx,zynqmp-psgtr")))
                        .findFirst().orElse(null);
            }
            ModelRef<LaneProvider> phy = phyNode == null ? null : context.ref(phyNode, LaneProvider.class);
            NwlPcie bridge = new NwlPcie(node.path(), cfg, breg, pcireg, reg.get(pcireg).address(), context.pci(), msi0,
                    msi1, context.ref(gic, InterruptController.class), phy, instance, context.msiLedger());
            bridge.bregAddress(reg.get(breg).address());
            return bridge;
        } catch (DeviceTreeException e) {
            throw new BindException(e.getMessage(), e);
        }
    }

    private static int index(DtNode node, List<RegEntry> reg, String name) throws BindException {
        for (int i = 0; i < reg.size(); i++) {
            if (name.equals(reg.get(i).name())) {
                return i;
            }
        }
        throw new BindException(node.path() + ": no \"" + name + "\" in reg-names");
    }

    /** The INTID of the GIC SPI named {@code name}: {@code <GIC_SPI n type>} is INTID n + 32. */
    private static int spi(DtNode node, String name) throws BindException {
        for (DtInterrupt i : node.interrupts()) {
            if (name.equals(i.name())) {
                if (i.cellCount() < 2 || i.cell(0) != 0) {
                    throw new BindException(node.path() + ": interrupt " + name + " is not a GIC SPI");
                }
                return (int) i.cell(1) + 32;
            }
        }
        throw new BindException(node.path() + ": no \"" + name + "\" in interrupt-names");
    }
}
