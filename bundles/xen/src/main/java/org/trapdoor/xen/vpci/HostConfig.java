package org.trapdoor.xen.vpci;

import org.trapdoor.api.dt.DtNode;

/**
 * The host bridge as vPCI reaches it: Xen's own config accessors ({@code pci_conf_read*}) behind
 * the bridge's readiness gate, and the raw forwarding of a trapped hardware-domain access. Kept
 * as an interface so vPCI does not depend on the PCI subsystem that owns the bridges.
 */
public interface HostConfig {
    int segment();

    int busStart();

    int busEnd();

    /** Size of the bridge's config window in bytes. */
    long cfgSize();

    /** The bridge's device-tree node (its {@code ranges} bound the BARs vPCI may map). */
    DtNode dtNode();

    /** Config read of 1, 2 or 4 bytes by Xen: all-ones while the bridge is not ready. */
    int read(int bus, int devfn, int reg, int size);

    /** Config write by Xen; dropped where {@link #read} would read all-ones. */
    void write(int bus, int devfn, int reg, int size, int value);

    /** A hardware-domain access passed through to the window as Dom0 made it. */
    int forwardRead(int bus, int devfn, int reg, int size);

    /** The write side of {@link #forwardRead}. */
    void forwardWrite(int bus, int devfn, int reg, int size, int value);
}
