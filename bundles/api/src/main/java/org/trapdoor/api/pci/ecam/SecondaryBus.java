package org.trapdoor.api.pci.ecam;

import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;

/**
 * What is beyond a bridge's root port ({@link RootPort}): the machine attaches functions at the
 * bridge's first bus, but behind a root port they sit on the port's secondary bus, so config
 * cycles for that bus reach them and the root bus has only the port (Xilinx NWL and AXI, X-Gene:
 * only devfn 0 exists on the root bus). Their requester IDs stay the machine's root-bus ones. Allocation-free: the requester-ID list is rebuilt only
 * when the machine's list or the secondary bus changes.
 */
public final class SecondaryBus implements PciHierarchy {
    private final PciHierarchy machine;
    private final RootPort port;
    private final int rootBus;
    private volatile Cache cache = new Cache(null, -1, new int[0]);

    private record Cache(int[] source, int secondary, int[] ids) {
    }

    public SecondaryBus(PciHierarchy machine, RootPort port, int rootBus) {
        this.machine = machine;
        this.port = port;
        this.rootBus = rootBus;
    }

    private int secondary() {
        int s = port.secondaryBus();
        return s > rootBus ? s : -1;
    }

    @Override
    public PciFunction function(int bus, int devfn) {
        int s = secondary();
        return s >= 0 && bus == s ? machine.function(rootBus, devfn) : null;
    }

    @Override
    public int[] requesterIds() {
        int[] src = machine.requesterIds();
        int s = secondary();
        Cache c = cache;
        if (c.source() != src || c.secondary() != s) {
            int n = 0;
            int[] ids = new int[src.length];
            for (int rid : src) {
                if (s >= 0 && rid >>> 8 == rootBus) {
                    ids[n++] = s << 8 | (rid & 0xff);
                }
            }
            c = new Cache(src, s, java.util.Arrays.copyOf(ids, n));
            cache = c;
        }
        return c.ids();
    }

    /** Where the function attached at {@code rid} answers now: the secondary bus; -1 before the port has one. */
    public int configRequesterId(int rid) {
        int s = secondary();
        return s >= 0 && rid >>> 8 == rootBus ? s << 8 | (rid & 0xff) : -1;
    }

    /** True when a function is attached to the link (the other end exists to train with). */
    public boolean anyDevice() {
        for (int rid : machine.requesterIds()) {
            if (rid >>> 8 == rootBus) {
                return true;
            }
        }
        return false;
    }
}
