package org.trapdoor.core.compose;

import java.util.List;

import org.trapdoor.api.platform.HardwareDriver;

/**
 * A registered driver as the composer sees it.
 *
 * @param order  registration order; among equal rankings the older driver wins, as in OSGi
 * @param origin the bundle that registered it, or "built-in"
 */
public record DriverEntry(HardwareDriver driver, String name, List<String> compatibles, int ranking, String origin,
        long order) {
    /** True if this driver beats {@code other} for the same compatible string. */
    boolean beats(DriverEntry other) {
        return other == null || ranking > other.ranking || (ranking == other.ranking && order < other.order);
    }
}
