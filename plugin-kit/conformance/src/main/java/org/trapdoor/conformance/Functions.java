package org.trapdoor.conformance;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;

/** The functions the harness attaches below the bridge, as the machine attaches devices. */
public final class Functions implements PciHierarchy {
    private final Map<Integer, PciFunction> byRid = new ConcurrentHashMap<>();
    private volatile int[] rids = new int[0];

    /** Attaches {@code f} at {@code bus}/{@code devfn}. */
    public synchronized Functions attach(int bus, int devfn, PciFunction f) {
        byRid.put(bus << 8 | devfn, f);
        int[] r = byRid.keySet().stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(r);
        rids = r;
        return this;
    }

    @Override
    public PciFunction function(int bus, int devfn) {
        return byRid.get(bus << 8 | devfn);
    }

    @Override
    public int[] requesterIds() {
        return rids;
    }
}
