package org.trapdoor.shell.phy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.phy.Lane;
import org.trapdoor.api.phy.LaneProtocol;
import org.trapdoor.api.phy.LaneProvider;
import org.trapdoor.shell.command.CommandFailure;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;

/**
 * {@code lanes}: which controller owns each lane of every shared-lane PHY (a ZynqMP PS-GTR), and
 * {@code lanes set} to change that before bring-up. The PHYs are the machine's answer
 * ({@code #phy-cells}) and the plan the bound model's own ({@link LaneProvider}), so a vendor's
 * PHY shows as the PS-GTR does; nothing here knows a compatible string.
 */
@Component(service = LaneCommands.class, property = CommandRegistry.FUNCTION + "=lanes")
public final class LaneCommands {
    private final Machine machine;

    @Activate
    public LaneCommands(@Reference Machine machine) {
        this.machine = machine;
    }

    @ShellCommand(usage = {"lanes", "lanes set LANE pcie|sata|usb3|dp|sgmii|none [INSTANCE]"},
            summary = "each PHY lane's controller (PS-GTR: PCIe, SATA, USB3, DP, SGMII); change it before bring-up",
            group = CommandRegistry.PCI)
    @Descriptor("show every shared-lane PHY: per lane the controller that owns it, its instance, PLL lock and "
            + "the device-tree consumers whose phys claim it")
    public LaneListing lanes() {
        List<LaneListing.Phy> out = new ArrayList<>();
        for (Map.Entry<String, LaneProvider> e : machine.laneProviders().entrySet()) {
            NodeInfo n = machine.node(e.getKey());
            String driver = n == null ? null : n.driver();
            out.add(new LaneListing.Phy(e.getKey(), driver, e.getValue() == null ? null : e.getValue().lanes()));
        }
        return new LaneListing(out);
    }

    @Descriptor("lanes set LANE CONTROLLER [INSTANCE]: program a lane for a controller (as psu_init or "
            + "xpsgtr_phy_init does); refused for a lane whose controller has been brought up")
    public LaneListing lanes(@Descriptor("set") String action, @Descriptor("lane number") String lane,
            @Descriptor("pcie, sata, usb3, dp, sgmii or none") String controller) {
        return lanes(action, lane, controller, null);
    }

    @Descriptor("lanes set LANE CONTROLLER INSTANCE: as above, naming the controller instance")
    public LaneListing lanes(@Descriptor("set") String action, @Descriptor("lane number") String lane,
            @Descriptor("pcie, sata, usb3, dp, sgmii or none") String controller,
            @Descriptor("controller instance (PCIe lane N is instance N)") String instance) {
        if (!"set".equals(action)) {
            throw new CommandFailure("lanes: unknown action '" + action + "' (want: lanes set LANE CONTROLLER [INSTANCE])");
        }
        Map.Entry<String, LaneProvider> phy = onlyPhy();
        LaneProvider p = phy.getValue();
        List<Lane> now = p.lanes();
        int l = number(lane, "lane");
        if (l < 0 || l >= now.size()) {
            throw new CommandFailure(String.format("lanes set: %s has no lane %s (lanes 0..%d)", phy.getKey(), lane,
                    now.size() - 1));
        }
        LaneProtocol proto = protocol(controller);
        int inst;
        if (instance != null) {
            inst = number(instance, "instance");
        } else if (proto == LaneProtocol.NONE) {
            inst = -1;
        } else {
            inst = p.instanceFor(l, proto);
            if (inst < 0) {
                throw new CommandFailure(String.format("lanes set: %s does not say which %s instance lane %d serves; "
                        + "give INSTANCE", phy.getKey(), name(proto), l));
            }
        }
        String up = broughtUpOwner(phy.getKey(), now.get(l));
        if (up != null) {
            throw new CommandFailure(String.format("lanes set: lane %d carries %s for %s, which has been brought up; "
                    + "the lane plan changes before bring-up only", l, name(now.get(l).protocol()), up));
        }
        try {
            p.assign(l, proto, inst);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("lanes set: " + e.getMessage());
        }
        return lanes();
    }

    private Map.Entry<String, LaneProvider> onlyPhy() {
        List<Map.Entry<String, LaneProvider>> bound = new ArrayList<>();
        for (Map.Entry<String, LaneProvider> e : machine.laneProviders().entrySet()) {
            if (e.getValue() != null) {
                bound.add(e);
            }
        }
        if (bound.isEmpty()) {
            throw new CommandFailure("lanes set: no PHY with shared lanes has a model bound");
        }
        if (bound.size() > 1) {
            throw new CommandFailure("lanes set: several PHYs share lanes (" + String.join(", ",
                    bound.stream().map(Map.Entry::getKey).toList()) + "); this machine has more than one to choose from");
        }
        return bound.get(0);
    }

    /**
     * The host bridge that has brought its link up over {@code lane}, or null. A bridge whose
     * {@code phys} names this PHY owns the lanes it names; one with no {@code phys} (the NWL bridge
     * on real ZynqMP trees, whose bring-up programs the free lane) owns the PCIe lane it locked.
     */
    private String broughtUpOwner(String phyPath, Lane lane) {
        for (String path : machine.hostBridges()) {
            HostBridge b = machine.hostBridge(path);
            if (b == null || !b.ready()) {
                continue;
            }
            if (lane.claimedBy().contains(path)) {
                return path;
            }
            DtNode node = machine.platform().node(path);
            boolean namesAPhy;
            try {
                namesAPhy = node != null && node.has("phys")
                        && !PhandleRef.parse(node, "phys", "#phy-cells", 0).isEmpty();
            } catch (DeviceTreeException e) {
                namesAPhy = false;
            }
            if (!namesAPhy && lane.protocol() == LaneProtocol.PCIE && lane.pllLocked()) {
                return path;
            }
        }
        return null;
    }

    private static int number(String text, String what) {
        try {
            return Integer.decode(text.trim());
        } catch (NumberFormatException e) {
            throw new CommandFailure("lanes set: invalid " + what + " '" + text + "' (a number)");
        }
    }

    static LaneProtocol protocol(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "pcie" -> LaneProtocol.PCIE;
            case "sata" -> LaneProtocol.SATA;
            case "usb3" -> LaneProtocol.USB3;
            case "dp", "displayport" -> LaneProtocol.DISPLAYPORT;
            case "sgmii" -> LaneProtocol.SGMII;
            case "none", "unused" -> LaneProtocol.NONE;
            default -> throw new CommandFailure("lanes set: unknown controller '" + text
                    + "' (want pcie, sata, usb3, dp, sgmii or none)");
        };
    }

    static String name(LaneProtocol p) {
        return switch (p) {
            case PCIE -> "PCIe";
            case SATA -> "SATA";
            case USB3 -> "USB3";
            case DISPLAYPORT -> "DP";
            case SGMII -> "SGMII";
            case NONE -> "unused";
        };
    }
}
