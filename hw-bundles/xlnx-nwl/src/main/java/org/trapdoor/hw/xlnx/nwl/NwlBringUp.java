package org.trapdoor.hw.xlnx.nwl;

import static org.trapdoor.hw.xlnx.nwl.NwlPcie.BRCFG_INTERRUPT;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.BRCFG_PCIE_RX0;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.BRCFG_PCIE_RX1;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.BRCFG_PCIE_RX_MSG_FILTER;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.BREG_ENABLE;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.ECAM_ENABLE;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_BREG_BASE_HI;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_BREG_BASE_LO;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_BREG_CAPABILITIES;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_BREG_CONTROL;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_ECAM_BASE_HI;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_ECAM_BASE_LO;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_ECAM_CAPABILITIES;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_ECAM_CONTROL;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_ECAM_SIZE_MASK;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.E_ECAM_SIZE_SHIFT;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.I_ISUB_CONTROL;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.I_MSII_BASE_HI;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.I_MSII_BASE_LO;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.I_MSII_CAPABILITIES;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.I_MSII_CONTROL;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.MSGF_LEG_MASK;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.MSGF_LEG_STATUS;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.MSGF_MISC_MASK;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.MSGF_MISC_STATUS;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.MSGF_MSI;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.MSII_ENABLE;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.MSII_STATUS_ENABLE;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.PCIE_PHY_LINKUP;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.PHY_RDY_LINKUP;
import static org.trapdoor.hw.xlnx.nwl.NwlPcie.PS_LINKUP;

import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.pci.ecam.RootPort;
import org.trapdoor.api.pci.host.BringUpException;
import org.trapdoor.api.pci.host.BringUpStep;
import org.trapdoor.api.pci.host.HostBridgeBringUp;
import org.trapdoor.api.pci.host.RegisterAccess;

/**
 * The ZynqMP PCIe bring-up, in the order Linux 6.x's {@code nwl_pcie_probe} runs it
 * ({@code nwl_pcie_bridge_init}, then {@code nwl_pcie_enable_msi}), preceded by the PS-GTR lane
 * set-up the boot firmware or {@code xpsgtr_phy_init} does (the NWL driver itself has no PHY
 * calls). Registered as a service so that whoever owns the bridge on a platform, Dom0's kernel or
 * Xen, runs the same steps through its own register accessors; Xen's {@code pci-host-zynqmp.c}
 * runs none of it itself.
 *
 * <p>Each enable is read back: an enable that did not take (a step run out of order) fails the
 * step with the register's name, as nothing else would notice.
 */
@Component(service = HostBridgeBringUp.class)
public final class NwlBringUp implements HostBridgeBringUp {
    /** {@code NWL_ECAM_VALUE_DEFAULT}: the ECAM size value Linux programs (and reads back as the last bus). */
    static final int ECAM_VALUE_DEFAULT = 12;
    /** {@code LINK_WAIT_MAX_RETRIES} and {@code LINK_WAIT_USLEEP_MIN}. */
    static final int LINK_WAIT_RETRIES = 10;
    static final long LINK_WAIT_US = 90_000;
    /** {@code CFG_ENABLE_PM_MSG_FWD | CFG_ENABLE_INT_MSG_FWD | CFG_ENABLE_ERR_MSG_FWD}. */
    static final int MSG_FILTER = 0xe;
    static final int PSGTR_ICM_CFG0 = 0x10010, PSGTR_PLL_STATUS = 0x23e4, PSGTR_LANE_STRIDE = 0x4000;
    static final int PSGTR_ICM_PCIE = 1, PSGTR_PLL_LOCKED = 1 << 4;
    static final String[] ICM_NAMES = {"power-down", "PCIe", "SATA", "USB3", "DisplayPort", "SGMII", "reserved", "reserved"};

    @Override
    public List<String> compatibles() {
        return List.of(NwlDriver.COMPATIBLE);
    }

    @Override
    public List<BringUpStep> steps(DtNode node) throws BringUpException {
        long breg = address(node, "breg");
        long pcireg = address(node, "pcireg");
        long cfg = address(node, "cfg");
        int firstBus = node.busRange().first();
        boolean coherent = node.has("dma-coherent");
        List<BringUpStep> steps = new ArrayList<>();
        long serdes = -1;
        int lane = 0;
        for (PhandleRef r : PhandleRef.parse(node, "phys", "#phy-cells", 0)) {
            if (r.argCount() == 4) {
                serdes = r.node().reg().get(0).address();
                lane = (int) r.arg(0);
                break;
            }
        }
        if (serdes < 0) {
            DtNode phy = node.root().subtree().stream().filter(DtNode::isEnabled)
                    .filter(n -> n.compatibles().stream().anyMatch(c -> c.startsWith("xlnx,zynqmp-psgtr"))).findFirst()
                    .orElse(null);
            serdes = phy == null || phy.reg().isEmpty() ? -1 : phy.reg().get(0).address();
        }
        if (serdes >= 0) {
            long icm = serdes + PSGTR_ICM_CFG0 + 4L * (lane / 2);
            int shift = 4 * (lane % 2);
            long pll = serdes + (long) lane * PSGTR_LANE_STRIDE + PSGTR_PLL_STATUS;
            int l = lane;
            // xpsgtr_phy_init: the ICM protocol of the lane; xpsgtr_wait_pll_lock: bit 4, 1 ms.
            steps.add(BringUpStep.of("psgtr-lane", io -> {
                int v = io.read32(icm);
                int code = (v >>> shift) & 0x7;
                if (code != 0 && code != PSGTR_ICM_PCIE) {
                    throw new BringUpException("PS-GTR lane " + l + " carries " + ICM_NAMES[code] + ": PCIe has no lane");
                }
                io.write32(icm, (v & ~(0x7 << shift)) | PSGTR_ICM_PCIE << shift);
                for (int i = 0; (io.read32(pll) & PSGTR_PLL_LOCKED) == 0; i++) {
                    if (i == 10) {
                        throw new BringUpException("PS-GTR lane " + l + ": PLL lock timeout");
                    }
                    io.delayMicros(100);
                }
            }));
        }
        steps.add(BringUpStep.of("breg-enable", io -> {
            if ((io.read32(breg + E_BREG_CAPABILITIES) & 1) == 0) {
                throw new BringUpException("BREG is not present");
            }
            io.write32(breg + E_BREG_BASE_LO, (int) breg);
            io.write32(breg + E_BREG_BASE_HI, (int) (breg >>> 32));
            setBits(io, breg + E_BREG_CONTROL, BREG_ENABLE, "E_BREG_CONTROL");
        }));
        steps.add(BringUpStep.of("bridge-config", io -> {
            // Disable the DMA channel registers, subtractive decode on, forward PM/INT/ERR messages.
            io.write32(breg + BRCFG_PCIE_RX0, io.read32(breg + BRCFG_PCIE_RX0) | 0x7);
            io.write32(breg + I_ISUB_CONTROL, io.read32(breg + I_ISUB_CONTROL) | 1);
            io.write32(breg + BRCFG_PCIE_RX_MSG_FILTER, MSG_FILTER);
            if (coherent) {
                io.write32(breg + BRCFG_PCIE_RX1, io.read32(breg + BRCFG_PCIE_RX1) | 0xff);
            }
        }));
        // nwl_wait_for_link: the PHY link (bit 1), ten tries.
        steps.add(BringUpStep.of("phy-link-wait", io -> {
            for (int i = 0; (io.read32(pcireg + PS_LINKUP) & PHY_RDY_LINKUP) == 0; i++) {
                if (i == LINK_WAIT_RETRIES) {
                    throw new BringUpException("PHY link never came up (ETIMEDOUT)");
                }
                io.delayMicros(LINK_WAIT_US);
            }
        }));
        steps.add(BringUpStep.of("ecam-enable", io -> {
            if ((io.read32(breg + E_ECAM_CAPABILITIES) & 1) == 0) {
                throw new BringUpException("ECAM is not present");
            }
            setBits(io, breg + E_ECAM_CONTROL, ECAM_ENABLE, "E_ECAM_CONTROL");
            io.write32(breg + E_ECAM_CONTROL, io.read32(breg + E_ECAM_CONTROL) | ECAM_VALUE_DEFAULT << E_ECAM_SIZE_SHIFT);
            io.write32(breg + E_ECAM_BASE_LO, (int) cfg);
            io.write32(breg + E_ECAM_BASE_HI, (int) (cfg >>> 32));
        }));
        steps.add(BringUpStep.of("bus-numbers", io -> {
            int last = (io.read32(breg + E_ECAM_CONTROL) & E_ECAM_SIZE_MASK) >>> E_ECAM_SIZE_SHIFT;
            io.write32(cfg + RootPort.BUS_NUMBERS, firstBus | (firstBus + 1) << 8 | last << 16);
        }));
        // nwl_pcie_bridge_init reports the link and goes on either way: no device is no error.
        steps.add(BringUpStep.of("link-status", io -> io.read32(pcireg + PS_LINKUP)));
        steps.add(BringUpStep.of("misc-and-intx", io -> {
            io.write32(breg + MSGF_MISC_MASK, 0);
            io.write32(breg + MSGF_MISC_STATUS, io.read32(breg + MSGF_MISC_STATUS));
            io.write32(breg + MSGF_MISC_MASK, 0xffff_ffff);
            io.write32(breg + BRCFG_INTERRUPT, io.read32(breg + BRCFG_INTERRUPT) | 1);
            io.write32(breg + MSGF_LEG_MASK, 0);
            io.write32(breg + MSGF_LEG_STATUS, io.read32(breg + MSGF_LEG_STATUS) & 0xf);
            io.write32(breg + MSGF_LEG_MASK, 0xf);
        }));
        // nwl_pcie_enable_msi: ingress on at pcireg's base, then for HI and LO: mask, clear, unmask.
        steps.add(BringUpStep.of("msi-enable", io -> {
            if ((io.read32(breg + I_MSII_CAPABILITIES) & 1) == 0) {
                throw new BringUpException("MSI ingress is not present");
            }
            setBits(io, breg + I_MSII_CONTROL, MSII_ENABLE | MSII_STATUS_ENABLE, "I_MSII_CONTROL");
            io.write32(breg + I_MSII_BASE_LO, (int) pcireg);
            io.write32(breg + I_MSII_BASE_HI, (int) (pcireg >>> 32));
            for (int half = 1; half >= 0; half--) {
                long status = breg + MSGF_MSI + 4L * half;
                long mask = breg + MSGF_MSI + 8 + 4L * half;
                io.write32(mask, 0);
                io.write32(status, io.read32(status));
                io.write32(mask, 0xffff_ffff);
            }
        }));
        return steps;
    }

    private static void setBits(RegisterAccess io, long address, int bits, String name) throws BringUpException {
        io.write32(address, io.read32(address) | bits);
        if ((io.read32(address) & bits) != bits) {
            throw new BringUpException(name + ": the enable did not take (is the bridge enabled?)");
        }
    }

    private static long address(DtNode node, String name) throws BringUpException {
        RegEntry r = node.reg(name);
        if (r == null) {
            throw new BringUpException(node.path() + ": no \"" + name + "\" in reg-names");
        }
        return r.address();
    }

    /** PS_LINKUP bit 0, for a caller that reports the link as {@code nwl_pcie_link_up} does. */
    static boolean linkUp(RegisterAccess io, long pcireg) {
        return (io.read32(pcireg + PS_LINKUP) & PCIE_PHY_LINKUP) != 0;
    }
}
