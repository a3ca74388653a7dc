package org.trapdoor.core.compose;

import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;

/** The PCI hierarchy of a node that is not a host bridge: nothing behind it. */
final class EmptyHierarchy implements PciHierarchy {
    static final EmptyHierarchy INSTANCE = new EmptyHierarchy();
    private static final int[] NONE = new int[0];

    @Override
    public PciFunction function(int bus, int devfn) {
        return null;
    }

    @Override
    public int[] requesterIds() {
        return NONE;
    }
}
