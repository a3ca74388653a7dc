package org.trapdoor.shell.lspci;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ecam.EcamLayout;

/**
 * Scans the functions below a host bridge as pciutils' {@code pci_generic_scan_bus} does,
 * starting at the first bus and following bridges to their secondary buses. Config space comes
 * from a {@link BridgeConfig}: for an {@link EcamHost}, CPU loads from the ECAM window in
 * {@code memory}, one reused transaction, as pciutils' {@code ecam} access method reads it.
 */
public final class EcamScanner {
    private final AddressSpace memory;
    private final MemoryTransaction tx = new MemoryTransaction();

    public EcamScanner(AddressSpace memory) {
        this.memory = memory;
    }

    /** Every present function below the ECAM host, in bus/slot/function order. */
    public List<ConfigImage> scan(EcamHost host) {
        return scan(through(host));
    }

    /** The ECAM window of {@code host} read by CPU loads in this scanner's address space. */
    BridgeConfig through(EcamHost host) {
        return new BridgeConfig() {
            @Override
            public String node() {
                return host.node();
            }

            @Override
            public int segment() {
                return host.segment();
            }

            @Override
            public int busFirst() {
                return host.busFirst();
            }

            @Override
            public int busLast() {
                return host.busLast();
            }

            @Override
            public int read(int bus, int devfn, int offset, int size) {
                return ecamRead(host, bus, devfn, offset, size);
            }
        };
    }

    /** Every present function below the host, in bus/slot/function order. */
    public static List<ConfigImage> scan(BridgeConfig host) {
        List<ConfigImage> out = new ArrayList<>();
        scanBus(host, host.busFirst(), new BitSet(256), out);
        out.sort((a, b) -> Integer.compare(a.bus() << 8 | a.devfn(), b.bus() << 8 | b.devfn()));
        return out;
    }

    private static void scanBus(BridgeConfig host, int bus, BitSet seen, List<ConfigImage> out) {
        if (bus < host.busFirst() || bus > host.busLast() || seen.get(bus)) {
            return;
        }
        seen.set(bus);
        for (int slot = 0; slot < 32; slot++) {
            int fns = 1;
            for (int fn = 0; fn < fns; fn++) {
                int devfn = slot << 3 | fn;
                int vendor = host.read(bus, devfn, 0, 2) & 0xffff;
                if (vendor == 0xffff || vendor == 0) {
                    continue;
                }
                int ht = host.read(bus, devfn, 0x0e, 1) & 0xff;
                if (fn == 0 && (ht & 0x80) != 0) {
                    fns = 8;
                }
                ConfigImage img = readImage(host, bus, devfn);
                out.add(img);
                if ((ht & 0x7f) == 1) {
                    int secondary = img.u8(0x19);
                    if (secondary > bus) {
                        scanBus(host, secondary, seen, out);
                    }
                }
            }
        }
    }

    /** 256 bytes, or 4096 when the function has a PCI Express capability (Linux's config size). */
    private static ConfigImage readImage(BridgeConfig host, int bus, int devfn) {
        byte[] head = new byte[256];
        fill(host, bus, devfn, head, 0);
        ConfigImage img = new ConfigImage(host.segment(), bus, devfn, head);
        if (!isExpress(img)) {
            return img;
        }
        byte[] full = new byte[4096];
        System.arraycopy(head, 0, full, 0, 256);
        fill(host, bus, devfn, full, 256);
        return new ConfigImage(host.segment(), bus, devfn, full);
    }

    static boolean isExpress(ConfigImage img) {
        if ((img.u16(0x06) & 0x10) == 0) {
            return false;
        }
        int pos = img.u8(0x34);
        for (int ttl = 48; ttl > 0 && pos >= 0x40; ttl--) {
            pos &= ~3;
            int id = img.u8(pos);
            if (id == 0xff) {
                return false;
            }
            if (id == 0x10) {
                return true;
            }
            pos = img.u8(pos + 1);
        }
        return false;
    }

    private static void fill(BridgeConfig host, int bus, int devfn, byte[] dst, int from) {
        for (int off = from; off < dst.length; off += 4) {
            int v = host.read(bus, devfn, off, 4);
            dst[off] = (byte) v;
            dst[off + 1] = (byte) (v >>> 8);
            dst[off + 2] = (byte) (v >>> 16);
            dst[off + 3] = (byte) (v >>> 24);
        }
    }

    private int ecamRead(EcamHost host, int bus, int devfn, int offset, int size) {
        long a = host.base() + EcamLayout.ECAM.offset(bus - host.busFirst(), devfn, offset);
        memory.access(tx.read(a, size));
        long mask = MemoryTransaction.allOnes(size);
        return (int) (tx.ok() ? tx.data & mask : mask);
    }
}
