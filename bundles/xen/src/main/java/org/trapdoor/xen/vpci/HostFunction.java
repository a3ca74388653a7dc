package org.trapdoor.xen.vpci;

import org.trapdoor.api.pci.ConfigAccessor;


/**
 * The physical function behind a vPCI device: Xen's {@code pci_conf_read*}/{@code pci_conf_write*}
 * on its SBDF, through the bridge's readiness gate. As a {@link ConfigAccessor} it is what the
 * hardware domain's unhandled registers reach ({@code vpci_read_hw} for hwdom).
 */
public final class HostFunction implements ConfigAccessor {
    private final HostConfig bridge;
    private final int bus;
    private final int devfn;

    public HostFunction(HostConfig bridge, int bus, int devfn) {
        this.bridge = bridge;
        this.bus = bus;
        this.devfn = devfn;
    }

    public HostConfig bridge() {
        return bridge;
    }

    public int bus() {
        return bus;
    }

    public int devfn() {
        return devfn;
    }

    @Override
    public int read(int offset, int size) {
        return bridge.read(bus, devfn, offset, size);
    }

    @Override
    public void write(int offset, int size, int value) {
        bridge.write(bus, devfn, offset, size, value);
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", bridge.segment(), bus, devfn >> 3, devfn & 7);
    }
}
