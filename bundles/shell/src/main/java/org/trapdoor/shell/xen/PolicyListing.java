package org.trapdoor.shell.xen;

import java.util.List;

import org.trapdoor.api.hypervisor.PolicyInfo;

/**
 * What {@code policy} shows: each kind with its implementations and the active one.
 *
 * @param policies the rows, per domain where a kind applies per domain
 * @param change   what {@code policy set} just did, or null for a plain listing
 */
public record PolicyListing(List<PolicyInfo> policies, String change) {
    public PolicyListing {
        policies = List.copyOf(policies);
    }
}
