package org.trapdoor.api.hypervisor;

import org.osgi.annotation.versioning.ConsumerType;

/** Kind {@code hwdom-config}: how the hardware domain reaches a host bridge's config space. */
@ConsumerType
public interface HwdomConfigAccessPolicy extends HypervisorPolicy {
    String KIND = "hwdom-config";

    /** Sets up (or re-sets up, on a switch) Dom0's access to the bridge's config window. */
    void apply(HwdomConfigWindow window);
}
