package org.trapdoor.api.hypervisor;

import java.util.List;

/**
 * One policy kind and its state.
 *
 * @param kind      e.g. {@code bridge-owner}, {@code hwdom-config}, {@code domu-msi}, {@code doorbell}
 * @param domain    the domain this row is for, or null for a system-wide kind
 * @param active    the implementation in force
 * @param available every implementation registered now, by name
 * @param fallback  the default used when the active one's bundle stops
 */
public record PolicyInfo(String kind, String domain, String active, List<String> available, String fallback) {
    public PolicyInfo {
        available = List.copyOf(available);
    }
}
