package org.trapdoor.api.hypervisor;

import org.osgi.annotation.versioning.ProviderType;

/** One host bridge's config window in the hardware domain's stage 2. */
@ProviderType
public interface HwdomConfigWindow {
    String node();

    /** Maps the real window 1:1 into Dom0 (upstream today): Dom0 drives ECAM natively. */
    void mapDirect();

    /** Unmaps it and traps Dom0's accesses through vPCI (the pending series). */
    void trapThroughVpci();
}
