package org.trapdoor.api.pci;

import org.osgi.annotation.versioning.ConsumerType;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.model.DeviceModel;

/**
 * A PCIe host bridge model. Its {@code reg} regions (ECAM window, bridge registers) are served
 * through {@link DeviceModel#region(int)}; its memory windows come from the node's
 * {@code ranges}. A hypervisor uses the BDF accessors to reach config space without decoding
 * ECAM itself.
 */
@ConsumerType
public interface HostBridge extends DeviceModel {
    /** First and last bus number decoded (from {@code bus-range}). */
    int busStart();

    int busEnd();

    /** Config read by BDF; all-ones for an absent function or a bus outside the range. */
    int configRead(int bus, int devfn, int offset, int size);

    void configWrite(int bus, int devfn, int offset, int size, int value);

    /**
     * A CPU access inside one of the bridge's outbound memory windows (the node's {@code ranges});
     * {@code tx.address} has been translated to the PCI bus address. The bridge offers it to the
     * functions below it ({@link PciFunction#decodeMemory}); if none claims it the access is an
     * Unsupported Request: reads return all-ones, writes are dropped, and the result says so.
     */
    void outbound(MemoryTransaction tx);

    /**
     * True once the bridge can reach devices below it (link up, ECAM enabled). A generic ECAM
     * bridge is always ready; a bridge that needs clocks and PHY lanes is not until someone,
     * Xen or Dom0, initialises it.
     */
    default boolean ready() {
        return true;
    }

    /**
     * Where a function the machine attached at requester ID {@code attached} answers config cycles
     * now ({@code bus << 8 | devfn}), as software enumerates it: behind a root port, on the port's
     * secondary bus; -1 while it is not reachable. The default: where it was attached.
     */
    default int configRequesterId(int attached) {
        return attached;
    }

    /**
     * Sees every upstream transaction from its devices before address translation. A bridge
     * with an embedded MSI controller (ZynqMP NWL) captures writes to its MSI address here and
     * returns {@code true}; the default lets everything through.
     */
    default boolean interceptUpstream(MemoryTransaction tx) {
        return false;
    }
}
