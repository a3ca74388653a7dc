package org.trapdoor.api.hypervisor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A choice the 2017 thread left open, made pluggable: each implementation is a service of its
 * kind's interface (e.g. {@link HostBridgeOwnershipPolicy}) with the service properties
 * {@link #KIND} and {@link #NAME}. The hypervisor tracks them and switches live.
 */
@ConsumerType
public interface HypervisorPolicy {
    /** Service property: the policy kind. */
    String KIND = "trapdoor.policy.kind";
    /** Service property: the implementation's name. */
    String NAME = "trapdoor.policy.name";

    /** The implementation's name, e.g. {@code dom0-init}. */
    String name();

    /** One line for {@code policy}: what this choice does. */
    String description();
}
