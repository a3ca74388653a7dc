package org.trapdoor.hw.zynqmp.psgtr;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.phy.Lane;
import org.trapdoor.api.phy.LaneProtocol;
import org.trapdoor.api.phy.LaneProvider;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The ZynqMP PS-GTR transceivers ({@code xlnx,zynqmp-psgtr-v1.1}, Linux
 * {@code drivers/phy/xilinx/phy-zynqmp.c}): four lanes, each carrying one protocol at a time as
 * the Interconnect Matrix says (ICM_CFG0: lane 0 in [2:0], lane 1 in [6:4]; ICM_CFG1: lanes 2
 * and 3), each with a PLL whose lock shows in bit 4 of its L{n}_PLL_STATUS_READ_1.
 *
 * <p>Implementation-defined choices: the reference clocks are taken as present and the PLL locks
 * as soon as the lane is given a protocol (no lock time); the reserved ICM codes 6 and 7 leave
 * the lane carrying nothing and are counted; the {@code siou} region has no modelled registers
 * (reads zero, counted). At reset the lanes carry what the device tree's consumers claim
 * ({@code phys = <&psgtr LANE TYPE INSTANCE REFCLK>}), as the board's boot firmware
 * ({@code psu_init}) programs them; a lane claimed twice keeps the first claim in tree order and
 * the conflict is reported.
 */
public final class PsGtr implements LaneProvider {
    static final int LANES = 4;
    static final int SERDES_SIZE = 0x40000;
    static final int SIOU_SIZE = 0x1000;
    static final int ICM_CFG0 = 0x10010;
    static final int ICM_CFG1 = 0x10014;
    /** Per lane, at {@code lane * LANE_STRIDE}. */
    static final int L0_PLL_STATUS_READ_1 = 0x23e4;
    static final int LANE_STRIDE = 0x4000;
    static final int PLL_STATUS_LOCKED = 1 << 4;
    /** ICM protocol codes. */
    static final int ICM_POWER_DOWN = 0, ICM_PCIE = 1, ICM_SATA = 2, ICM_USB3 = 3, ICM_DP = 4, ICM_SGMII = 5;
    /**
     * Which instance of each controller a lane serves ({@code icm_matrix} of phy-zynqmp.c), by
     * lane then ICM code; -1 for power-down.
     */
    private static final int[][] INSTANCE = {
        {-1, 0, 0, 0, 1, 0},
        {-1, 1, 1, 0, 0, 1},
        {-1, 2, 0, 0, 1, 2},
        {-1, 3, 1, 1, 0, 3},
    };

    private final String path;
    private final RegisterBlock serdes = new RegisterBlock("serdes", SERDES_SIZE).allowSizes(4);
    private final RegisterBlock siou = new RegisterBlock("siou", SIOU_SIZE).allowSizes(4);
    /** ICM code per lane; written by software or {@link #assign}, read by the bridges' link checks. */
    private final int[] icm = new int[LANES];
    private final List<List<String>> claims;
    private final List<String> conflicts;
    private final LongAdder reservedCodes = new LongAdder();

    /**
     * @param claims    per lane, the consumer nodes whose {@code phys} name it
     * @param initial   per lane, the protocol the boot firmware programmed
     * @param conflicts what is wrong with the claims (a lane claimed twice, an instance the lane cannot serve)
     */
    PsGtr(String path, List<List<String>> claims, LaneProtocol[] initial, List<String> conflicts) {
        this.path = path;
        this.claims = claims.stream().map(List::copyOf).toList();
        this.conflicts = List.copyOf(conflicts);
        for (int lane = 0; lane < LANES; lane++) {
            icm[lane] = code(initial[lane]);
        }
        serdes.reg32("ICM_CFG0", ICM_CFG0).writable(0x77).onRead(() -> icmWord(0)).onWrite((old, v) -> icmWritten(0, v));
        serdes.reg32("ICM_CFG1", ICM_CFG1).writable(0x77).onRead(() -> icmWord(2)).onWrite((old, v) -> icmWritten(2, v));
        for (int lane = 0; lane < LANES; lane++) {
            int l = lane;
            serdes.reg32("L" + lane + "_PLL_STATUS_READ_1", lane * LANE_STRIDE + L0_PLL_STATUS_READ_1).readOnly()
                    .onRead(() -> pllLocked(l) ? PLL_STATUS_LOCKED : 0);
        }
    }

    private synchronized long icmWord(int firstLane) {
        return icm[firstLane] | icm[firstLane + 1] << 4;
    }

    private synchronized void icmWritten(int firstLane, long v) {
        for (int i = 0; i < 2; i++) {
            int c = (int) (v >>> (4 * i)) & 0x7;
            if (c > ICM_SGMII) {
                reservedCodes.increment();
            }
            icm[firstLane + i] = c;
        }
    }

    private synchronized boolean pllLocked(int lane) {
        return icm[lane] >= ICM_PCIE && icm[lane] <= ICM_SGMII;
    }

    static int code(LaneProtocol p) {
        return switch (p) {
            case NONE -> ICM_POWER_DOWN;
            case PCIE -> ICM_PCIE;
            case SATA -> ICM_SATA;
            case USB3 -> ICM_USB3;
            case DISPLAYPORT -> ICM_DP;
            case SGMII -> ICM_SGMII;
        };
    }

    static LaneProtocol protocol(int code) {
        return switch (code) {
            case ICM_PCIE -> LaneProtocol.PCIE;
            case ICM_SATA -> LaneProtocol.SATA;
            case ICM_USB3 -> LaneProtocol.USB3;
            case ICM_DP -> LaneProtocol.DISPLAYPORT;
            case ICM_SGMII -> LaneProtocol.SGMII;
            default -> LaneProtocol.NONE;
        };
    }

    /** The instance {@code lane} serves for {@code p}, or -1 ({@code icm_matrix}). */
    static int instance(int lane, LaneProtocol p) {
        return p == LaneProtocol.NONE ? -1 : INSTANCE[lane][code(p)];
    }

    @Override
    public MmioHandler region(int index) {
        return switch (index) {
            case 0 -> serdes;
            case 1 -> siou;
            default -> null;
        };
    }

    @Override
    public synchronized List<Lane> lanes() {
        List<Lane> out = new ArrayList<>();
        for (int lane = 0; lane < LANES; lane++) {
            LaneProtocol p = protocol(icm[lane]);
            out.add(new Lane(lane, p, instance(lane, p), pllLocked(lane), claims.get(lane)));
        }
        return out;
    }

    @Override
    public synchronized void assign(int lane, LaneProtocol protocol, int instance) {
        if (lane < 0 || lane >= LANES) {
            throw new IllegalArgumentException(path + ": lane " + lane + " does not exist (lanes 0.." + (LANES - 1) + ")");
        }
        if (protocol != LaneProtocol.NONE && instance(lane, protocol) != instance) {
            throw new IllegalArgumentException(String.format("%s: lane %d carries %s for instance %d only, not %d",
                    path, lane, protocol, instance(lane, protocol), instance));
        }
        icm[lane] = code(protocol);
    }

    @Override
    public int instanceFor(int lane, LaneProtocol protocol) {
        return lane < 0 || lane >= LANES ? -1 : instance(lane, protocol);
    }

    @Override
    public synchronized boolean linkReady(LaneProtocol protocol, int instance) {
        for (int lane = 0; lane < LANES; lane++) {
            if (protocol(icm[lane]) == protocol && instance(lane, protocol) == instance && pllLocked(lane)) {
                return true;
            }
        }
        return false;
    }

    /** Problems with the device tree's lane plan, one message each. */
    public List<String> conflicts() {
        return conflicts;
    }

    /** ICM writes of the reserved codes 6 and 7. */
    public long reservedCodeWrites() {
        return reservedCodes.sum();
    }

    @Override
    public synchronized Object saveState() {
        return icm.clone();
    }

    @Override
    public synchronized void restoreState(Object state) {
        if (state instanceof int[] s && s.length == LANES) {
            System.arraycopy(s, 0, icm, 0, LANES);
        }
    }

    @Override
    public String summary() {
        StringBuilder b = new StringBuilder("PS-GTR lanes:");
        for (Lane l : lanes()) {
            b.append(String.format(" %d=%s%s", l.index(), l.protocol(), l.pllLocked() ? "" : "(no lock)"));
        }
        if (!conflicts.isEmpty()) {
            b.append("; conflicts: ").append(String.join("; ", conflicts));
        }
        return b.toString();
    }
}
