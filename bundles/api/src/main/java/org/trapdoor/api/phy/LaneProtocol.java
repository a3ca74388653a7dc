package org.trapdoor.api.phy;

/**
 * What a lane carries, and the {@code PHY_TYPE_*} number a consumer's {@code phys} specifier
 * names it by ({@code include/dt-bindings/phy/phy.h}).
 */
public enum LaneProtocol {
    NONE(0), SATA(1), PCIE(2), USB3(4), DISPLAYPORT(6), SGMII(7);

    private final int phyType;

    LaneProtocol(int phyType) {
        this.phyType = phyType;
    }

    public int phyType() {
        return phyType;
    }

    /** The protocol a {@code phys} cell names, or {@code null} for a type no lane carries here. */
    public static LaneProtocol ofPhyType(long type) {
        for (LaneProtocol p : values()) {
            if (p != NONE && p.phyType == type) {
                return p;
            }
        }
        return null;
    }
}
