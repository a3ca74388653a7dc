package org.trapdoor.guest;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

import java.util.List;

/** Small device trees with one ECAM host bridge, built in code. */
final class EcamTrees {
    static final long ECAM = 0x40_1000_0000L;
    static final long IO_CPU = 0x3eff_0000L;
    static final long MEM32 = 0x1000_0000L;
    static final long MEM64 = 0x80_0000_0000L;

    private EcamTrees() {
    }

    /** A root with one {@code pci-host-ecam-generic} node; {@code ranges} cells as given. */
    static DeviceTree host(int buses, long[] ranges, String... extra) {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        root.put(DtProperty.ofStrings("model", "fake ECAM machine"));
        DtNode pcie = new DtNode("pcie@10000000", root);
        pcie.put(DtProperty.ofStrings("compatible", "pci-host-ecam-generic"));
        pcie.put(DtProperty.ofStrings("device_type", "pci"));
        pcie.put(DtProperty.ofCells("#address-cells", 3));
        pcie.put(DtProperty.ofCells("#size-cells", 2));
        pcie.put(DtProperty.ofCells("bus-range", 0, buses - 1));
        pcie.put(DtProperty.ofCells("reg", ECAM >>> 32, ECAM & 0xffff_ffffL, 0, (long) buses << 20));
        if (ranges != null) {
            pcie.put(DtProperty.ofCells("ranges", ranges));
        }
        for (String e : extra) {
            String[] kv = e.split("=");
            pcie.put(DtProperty.ofCells(kv[0], Long.decode(kv[1])));
        }
        return new DeviceTree(root, "test", List.of());
    }

    static long[] range(long hi, long pci, long cpu, long size) {
        return new long[] {hi, pci >>> 32, pci & 0xffff_ffffL, cpu >>> 32, cpu & 0xffff_ffffL, size >>> 32,
            size & 0xffff_ffffL};
    }

    static long[] concat(long[]... parts) {
        int n = 0;
        for (long[] p : parts) {
            n += p.length;
        }
        long[] out = new long[n];
        int i = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    /** IO 64 KiB, MEM32 size {@code mem32}, MEM64 256 GiB non-prefetchable (like QEMU virt). */
    static long[] virtRanges(long mem32) {
        return concat(range(0x0100_0000L, 0, IO_CPU, 0x1_0000L), range(0x0200_0000L, MEM32, MEM32, mem32),
                range(0x0300_0000L, MEM64, MEM64, 0x40_0000_0000L));
    }
}
