package org.trapdoor.shell.lspci;

import org.trapdoor.api.pci.HostBridge;

/**
 * Config space below one host bridge, read by bus, devfn and offset: through the bridge model's
 * own config access ({@link HostBridge#configRead}, what Linux's {@code pci_ops} of the bridge's
 * driver do: ECAM, X-Gene's RTDID indirection, a vendor's own mechanism), or by CPU loads from
 * an ECAM window ({@link EcamScanner}).
 */
public interface BridgeConfig {
    String node();

    /** The PCI domain lspci prints. */
    int segment();

    int busFirst();

    int busLast();

    /** A read of 1, 2 or 4 bytes; all-ones for an absent function. */
    int read(int bus, int devfn, int offset, int size);

    /** The bound model's config access, for the bus range it decodes. */
    static BridgeConfig of(String node, int segment, HostBridge model) {
        return new BridgeConfig() {
            @Override
            public String node() {
                return node;
            }

            @Override
            public int segment() {
                return segment;
            }

            @Override
            public int busFirst() {
                return model.busStart();
            }

            @Override
            public int busLast() {
                return model.busEnd();
            }

            @Override
            public int read(int bus, int devfn, int offset, int size) {
                return model.configRead(bus, devfn, offset, size);
            }
        };
    }
}
