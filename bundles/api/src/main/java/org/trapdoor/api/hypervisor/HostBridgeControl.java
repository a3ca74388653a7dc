package org.trapdoor.api.hypervisor;

import org.osgi.annotation.versioning.ProviderType;

/** What an ownership policy may do with one host bridge. */
@ProviderType
public interface HostBridgeControl {
    /** Device-tree path of the bridge. */
    String node();

    int segment();

    /** Whether the bridge's model has a bring-up sequence (a plain ECAM bridge has none). */
    boolean needsBringUp();

    /** Runs the bridge's bring-up sequence from the hypervisor, through its own register mappings. */
    void bringUp();

    /** Lets the hypervisor access the bridge's config space from now on; {@code how} says how it knows. */
    void markReady(String how);

    boolean ready();
}
