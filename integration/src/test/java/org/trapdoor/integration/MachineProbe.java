package org.trapdoor.integration;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.memory.MemoryTransaction;

/**
 * Looks at a running machine the way software on it would: config space through the ECAM window
 * in the system address space. Waits on services and node states, never on bundle states.
 */
final class MachineProbe implements AutoCloseable {
    private static final long TIMEOUT_MS = 10_000;
    private static final String BRIDGE = "/pcie@10000000";

    private final ServiceTracker<Machine, Machine> tracker;

    MachineProbe(BundleContext context) {
        tracker = new ServiceTracker<>(context, Machine.class, null);
        tracker.open();
    }

    Machine machine() {
        try {
            Machine m = tracker.waitForService(TIMEOUT_MS);
            if (m == null) {
                throw new AssertionError("no Machine service within " + TIMEOUT_MS + " ms");
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    NodeInfo awaitBound(String path) {
        return await(path, n -> n.state() == NodeState.BOUND, "bound");
    }

    NodeInfo awaitState(String path, NodeState state) {
        return await(path, n -> n.state() == state, state.toString());
    }

    NodeInfo awaitDriver(String path, String driver) {
        return await(path, n -> n.state() == NodeState.BOUND && driver.equals(n.driver()), "bound to " + driver);
    }

    private NodeInfo await(String path, Predicate<NodeInfo> done, String what) {
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        NodeInfo n = null;
        while (System.currentTimeMillis() < end) {
            n = machine().node(path);
            if (n != null && done.test(n)) {
                return n;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError(path + " not " + what + " within " + TIMEOUT_MS + " ms: " + n);
    }

    private long ecamBase() {
        return machine().node(BRIDGE).reg().get(0).address();
    }

    /** A 4-byte config read of bus 0, {@code devfn}, at {@code offset}, through ECAM. */
    long configDword(int devfn, int offset) {
        MemoryTransaction tx = new MemoryTransaction().read(ecamBase() + ((long) devfn << 12) + offset, 4);
        machine().system().access(tx);
        return tx.data;
    }

    int vendorAt(int devfn) {
        return (int) (configDword(devfn, 0) & 0xffff);
    }

    /** Devfns on bus 0 whose vendor ID is not all-ones, the way a kernel scans. */
    List<Integer> enumerate() {
        List<Integer> found = new ArrayList<>();
        for (int devfn = 0; devfn < 256; devfn++) {
            if (vendorAt(devfn) != 0xffff) {
                found.add(devfn);
            }
        }
        return found;
    }

    String describe(List<Integer> devfns) {
        StringBuilder sb = new StringBuilder();
        for (int d : devfns) {
            sb.append(String.format("%02x.%x ", d >> 3, d & 7));
        }
        return sb.toString().trim();
    }

    @Override
    public void close() {
        tracker.close();
    }
}
