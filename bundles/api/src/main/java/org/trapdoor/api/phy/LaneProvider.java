package org.trapdoor.api.phy;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.model.DeviceModel;

/**
 * A PHY whose lanes controllers share. A controller asks before it brings its link up; a user
 * (the shell, a test) sees and changes the assignment before bring-up.
 */
@ProviderType
public interface LaneProvider extends DeviceModel {
    List<Lane> lanes();

    /**
     * Programs {@code lane} for {@code protocol} as the PHY driver's {@code phy_init} does.
     *
     * @throws IllegalArgumentException for a lane the PHY does not have, or an instance the lane
     *                                  cannot serve for that protocol (the message says which)
     */
    void assign(int lane, LaneProtocol protocol, int instance);

    /**
     * Which instance of {@code protocol}'s controllers {@code lane} can serve (its place in the
     * PHY's interconnect matrix), or -1 when it cannot or the PHY does not say.
     */
    default int instanceFor(int lane, LaneProtocol protocol) {
        return -1;
    }

    /** True when some lane carries {@code protocol} for {@code instance} with its PLL locked. */
    boolean linkReady(LaneProtocol protocol, int instance);
}
