package org.trapdoor.api.phy;

/**
 * One lane as the PHY reports it.
 *
 * @param protocol  what the lane is programmed to carry now
 * @param instance  which controller of that protocol it serves (PCIe lanes 0..3 are instances 0..3)
 * @param pllLocked whether the lane's PLL has locked (the lane carries a signal)
 * @param claimedBy the consumer nodes whose {@code phys} name this lane (two is a conflict)
 */
public record Lane(int index, LaneProtocol protocol, int instance, boolean pllLocked, java.util.List<String> claimedBy) {
    public Lane {
        claimedBy = java.util.List.copyOf(claimedBy);
    }
}
