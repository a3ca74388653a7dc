package org.trapdoor.core.pci;

import java.util.concurrent.atomic.AtomicReferenceArray;

import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;

/**
 * The functions behind one host bridge, indexed by requester ID ({@code bus<<8 | devfn}): a
 * look-up is one bounds check and one volatile array read. Attach and detach are rare and
 * synchronized; they also republish the sorted list of requester IDs, so that a bridge walking
 * its functions allocates nothing.
 */
public final class Hierarchy implements PciHierarchy {
    private final AtomicReferenceArray<PciFunction> byRid = new AtomicReferenceArray<>(1 << 16);
    private volatile int[] rids = new int[0];

    @Override
    public PciFunction function(int bus, int devfn) {
        if (((bus | devfn) & ~0xff) != 0) {
            return null;
        }
        return byRid.get(bus << 8 | devfn);
    }

    /** The sorted requester IDs of present functions. The array is shared: callers must not modify it. */
    @Override
    public int[] requesterIds() {
        return rids;
    }

    /** Places {@code function} at {@code bus}/{@code devfn}; false if the place is taken. */
    public synchronized boolean put(int bus, int devfn, PciFunction function) {
        int rid = rid(bus, devfn);
        if (!byRid.compareAndSet(rid, null, function)) {
            return false;
        }
        republish();
        return true;
    }

    /** Removes whatever function is at {@code bus}/{@code devfn}. */
    public synchronized void remove(int bus, int devfn) {
        byRid.set(rid(bus, devfn), null);
        republish();
    }

    private static int rid(int bus, int devfn) {
        if (((bus | devfn) & ~0xff) != 0) {
            throw new IllegalArgumentException(String.format("bus %d / devfn %d out of range", bus, devfn));
        }
        return bus << 8 | devfn;
    }

    private void republish() {
        int n = 0;
        for (int i = 0; i < byRid.length(); i++) {
            if (byRid.get(i) != null) {
                n++;
            }
        }
        int[] next = new int[n];
        int k = 0;
        for (int i = 0; i < byRid.length() && k < n; i++) {
            if (byRid.get(i) != null) {
                next[k++] = i;
            }
        }
        rids = next;
    }
}
