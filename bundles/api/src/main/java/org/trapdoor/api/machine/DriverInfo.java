package org.trapdoor.api.machine;

import java.util.List;

/**
 * A snapshot of one registered driver.
 *
 * @param origin the bundle (symbolic name and version) that registered it, or "built-in"
 */
public record DriverInfo(String name, List<String> compatibles, int ranking, String origin, List<String> boundNodes) {
}
