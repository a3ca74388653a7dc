package org.trapdoor.api.pci;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The functions behind one host bridge. It belongs to the machine, not to the bridge model, so a
 * bridge driver swapped at run time finds the same devices.
 */
@ProviderType
public interface PciHierarchy {
    /** The function at {@code bus}/{@code devfn}, or {@code null} if absent. Lock-free. */
    PciFunction function(int bus, int devfn);

    /** Requester IDs of every present function, ascending. */
    int[] requesterIds();
}
