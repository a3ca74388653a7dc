package org.trapdoor.shell.phy;

import java.util.List;

import org.trapdoor.api.phy.Lane;

/**
 * What {@code lanes} returns: one entry per PHY, rendered as a table per PHY by {@link #toString()},
 * which is also its text, so Gogo prints the table.
 */
public record LaneListing(List<Phy> phys) implements CharSequence {
    public LaneListing {
        phys = List.copyOf(phys);
    }

    /**
     * One PHY node.
     *
     * @param driver the bound driver's name, or null
     * @param lanes  its lanes as the bound model reports them, or null when no lane-sharing model is bound
     */
    public record Phy(String node, String driver, List<Lane> lanes) {
    }

    @Override
    public String toString() {
        if (phys.isEmpty()) {
            return "no PHY with shared lanes on this machine\n";
        }
        StringBuilder b = new StringBuilder();
        for (Phy p : phys) {
            if (p.lanes() == null) {
                b.append(p.node()).append(": no lane-sharing model bound (nothing to ask)\n");
                continue;
            }
            b.append(p.node()).append(p.driver() == null ? "" : " (" + p.driver() + ")").append('\n');
            b.append(String.format("%-5s %-11s %-9s %-9s %s%n", "LANE", "CONTROLLER", "INSTANCE", "PLL", "CLAIMED BY"));
            for (Lane l : p.lanes()) {
                boolean used = l.protocol() != org.trapdoor.api.phy.LaneProtocol.NONE;
                b.append(String.format("%-5d %-11s %-9s %-9s %s%n", l.index(), LaneCommands.name(l.protocol()),
                        used && l.instance() >= 0 ? Integer.toString(l.instance()) : "-",
                        used ? (l.pllLocked() ? "locked" : "no lock") : "-",
                        l.claimedBy().isEmpty() ? "-" : String.join(", ", l.claimedBy())));
            }
        }
        return b.toString();
    }

    @Override
    public int length() {
        return toString().length();
    }

    @Override
    public char charAt(int index) {
        return toString().charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().subSequence(start, end);
    }
}
