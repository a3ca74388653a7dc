package org.trapdoor.shell;

import java.util.List;

import org.trapdoor.api.machine.DriverInfo;

/** The {@code drivers} command's result. */
public record DriverListing(List<DriverInfo> drivers) {
    public DriverListing {
        drivers = List.copyOf(drivers);
    }
}
