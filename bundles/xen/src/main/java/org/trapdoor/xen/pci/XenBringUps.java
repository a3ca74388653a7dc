package org.trapdoor.xen.pci;

import java.util.Collection;
import java.util.function.Function;
import java.util.function.Supplier;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.pci.host.BringUpResult;
import org.trapdoor.api.pci.host.HostBridgeBringUp;
import org.trapdoor.api.pci.host.RegisterAccess;

/**
 * The bring-up sequences Xen can run itself ({@code xen-init}): for a bridge node, the registered
 * {@link HostBridgeBringUp} whose compatibles match, run with owner {@code "xen"} through Xen's own
 * mapping of the bridge's registers (loads and stores on the machine's system bus).
 */
public final class XenBringUps {
    private XenBringUps() {
    }

    /**
     * @param sequences the sequences registered now (read when a bridge is probed)
     * @return per bridge node, its bring-up as a task that throws {@link IllegalStateException}
     *         naming the failed step, or null when no sequence handles the node
     */
    public static Function<DtNode, Runnable> of(Supplier<? extends Collection<HostBridgeBringUp>> sequences,
            AddressSpace system) {
        RegisterAccess io = new RegisterAccess() {
            @Override
            public long read(long address, int size) {
                return system.read(address, size);
            }

            @Override
            public void write(long address, int size, long value) {
                system.write(address, size, value);
            }
        };
        return node -> {
            for (HostBridgeBringUp seq : sequences.get()) {
                if (seq.compatibles().stream().anyMatch(node.compatibles()::contains)) {
                    return () -> {
                        BringUpResult r = seq.run(node, "xen", io);
                        if (!r.ok()) {
                            throw new IllegalStateException("bring-up step " + r.failed() + " failed: " + r.error());
                        }
                    };
                }
            }
            return null;
        };
    }
}
