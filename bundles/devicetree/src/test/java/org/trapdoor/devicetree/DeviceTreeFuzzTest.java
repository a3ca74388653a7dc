package org.trapdoor.devicetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.testkit.Fuzz;

/**
 * Property tests of both readers and writers on generated and mutated input (issue 9). The
 * invariants: a reader gives a tree or one {@link DeviceTreeException}, never another exception
 * or an {@link Error}; what either reader accepts, both writers write so that both readers read
 * the same tree back (DTB to DTS is a round trip); the tree's decoding helpers ({@code reg},
 * {@code interrupts}, {@code msi-map}, ...) fail only with {@link DeviceTreeException}. Budgets
 * and kept seeds: see {@link Fuzz}.
 */
class DeviceTreeFuzzTest {
    private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+-";
    private static final String[] PROPERTY_NAMES = {"reg", "ranges", "#address-cells", "#size-cells", "compatible",
        "status", "interrupts", "interrupt-parent", "#interrupt-cells", "interrupts-extended", "msi-map",
        "msi-map-mask", "iommu-map", "iommu-map-mask", "iommus", "#iommu-cells", "msi-parent", "#msi-cells",
        "bus-range", "device_type", "reg-names", "interrupt-names", "linux,phandle", "x", "y,z"};
    private static final String[] TOKENS = {"{", "}", "};", ";", "=", "<", ">", "[", "]", "(", ")", "\"", "&", "&l1",
        "&{/", "/", "l1:", "l2: ", "/delete-node/ ", "/delete-property/ ", "/omit-if-no-ref/ ", "/bits/ 8 ",
        "/bits/ 64 ", "/memreserve/ 1 2;", "/dts-v1/;", "#", "\n# 1 \"f.dtsi\"\n", "\n# 99999999999 \"x\"\n",
        "0x", "0xffffffff", "0x40000000", "4294967296", "'a'", "'\\x'", "\\", "//", "/*", "*/", "\n", " ",
        "#address-cells = <3>;", "#size-cells = <0>;", "phandle = <1>;", "phandle = <0>;", "n {", "n@1 {", "@",
        "(1 / 0)", "(-1)", "(1 << 63)", "? :", ",", "\"a\", \"b\""};

    // ---- generated trees ----

    static DeviceTree randomTree(SplittableRandom r) {
        DtNode root = new DtNode("", null);
        List<DtNode> all = new ArrayList<>(List.of(root));
        int nodes = r.nextInt(1, 40);
        Set<String> labels = new HashSet<>();
        long[] phandle = {0};
        fill(r, root, labels, phandle);
        for (int i = 0; i < nodes; i++) {
            DtNode parent = all.get(r.nextInt(all.size()));
            String name = name(r);
            if (parent.child(name) != null) {
                continue;
            }
            DtNode n = new DtNode(name, parent);
            fill(r, n, labels, phandle);
            all.add(n);
        }
        List<long[]> rsv = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            rsv.add(new long[] {r.nextLong(), r.nextLong() | 1});
        }
        return new DeviceTree(root, "random", rsv);
    }

    private static String name(SplittableRandom r) {
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(1, 12); i > 0; i--) {
            sb.append(NAME_CHARS.charAt(r.nextInt(NAME_CHARS.length())));
        }
        if (r.nextInt(3) == 0) {
            sb.append('@').append(Long.toHexString(r.nextLong() >>> r.nextInt(64)));
        }
        return sb.toString();
    }

    private static void fill(SplittableRandom r, DtNode n, Set<String> labels, long[] phandle) {
        for (int i = r.nextInt(6); i > 0; i--) {
            String name = r.nextInt(3) == 0 ? name(r).replace("@", "") : PROPERTY_NAMES[r.nextInt(PROPERTY_NAMES.length)];
            if (name.equals("linux,phandle") || name.equals("#address-cells") || name.equals("#size-cells")) {
                continue; // set below, valid, so that the tree is one the readers must accept
            }
            n.put(new DtProperty(name, value(r)));
        }
        if (r.nextInt(4) == 0) {
            n.put(DtProperty.ofCells("#address-cells", r.nextInt(DtNode.MAX_CELLS + 1)));
            n.put(DtProperty.ofCells("#size-cells", r.nextInt(DtNode.MAX_CELLS + 1)));
        }
        if (r.nextInt(4) == 0) {
            n.put(DtProperty.ofCells("phandle", ++phandle[0]));
        }
        if (n.parent() != null && r.nextInt(4) == 0) {
            String l = "l" + r.nextInt(100);
            if (labels.add(l)) {
                n.addLabel(l);
            }
        }
    }

    private static byte[] value(SplittableRandom r) {
        switch (r.nextInt(4)) {
            case 0:
                return new byte[0];
            case 1: {
                StringBuilder sb = new StringBuilder();
                for (int i = r.nextInt(1, 4); i > 0; i--) {
                    for (int k = r.nextInt(1, 8); k > 0; k--) {
                        sb.append((char) r.nextInt(0x20, 0x7f));
                    }
                    sb.append('\0');
                }
                return sb.toString().getBytes(StandardCharsets.US_ASCII);
            }
            case 2: {
                ByteBuffer b = ByteBuffer.allocate(4 * r.nextInt(1, 9));
                while (b.hasRemaining()) {
                    b.putInt(r.nextInt(3) == 0 ? r.nextInt() : r.nextInt(16));
                }
                return b.array();
            }
            default: {
                byte[] b = new byte[r.nextInt(1, 12)];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) r.nextInt(256);
                }
                return b;
            }
        }
    }

    /** Both writers' output reads back to the same tree through both readers. */
    private static void assertRoundTrips(DeviceTree t) {
        byte[] dtb = Trees.SERVICE.toDtb(t);
        DeviceTree fromDtb = Trees.SERVICE.parseDtb(dtb, "again.dtb");
        Trees.assertSameTree(t, fromDtb, false);
        assertArrayEquals(dtb, Trees.SERVICE.toDtb(fromDtb), "rewriting a read blob gives the same bytes");
        String dts;
        try {
            dts = Trees.SERVICE.toDts(t);
        } catch (DeviceTreeException unspellable) {
            assertTrue(unspellable.getMessage().contains("cannot be written as DTS"), unspellable.getMessage());
            return;
        }
        Trees.assertSameTree(t, Trees.SERVICE.parseDts(dts, "again.dts"), true);
    }

    /** Every decoding helper on every node fails, if at all, with a DeviceTreeException. */
    private static void decodeEverything(DeviceTree t) {
        for (DtNode n : t.nodes()) {
            for (Runnable helper : new Runnable[] {n::reg, n::interrupts, n::msiMap, n::iommuMap, n::iommus,
                n::msiParent, n::busRange, n::pciRanges, n::compatibles, n::isEnabled, n::addressCells,
                n::sizeCells, n::interruptParent, n::path}) {
                try {
                    helper.run();
                } catch (DeviceTreeException expected) {
                    // the tree is wrong; the helper said so
                }
            }
        }
        try {
            t.memory();
        } catch (DeviceTreeException expected) {
            // as above
        }
    }

    @Test
    void generatedTreesRoundTripThroughBothFormats() {
        Fuzz.property("dt-generated-trees", getClass()).seconds(2).run(r -> {
            DeviceTree t = randomTree(r);
            assertRoundTrips(t);
            decodeEverything(t);
        });
    }

    @Test
    void mutatedSourceGivesATreeOrADeviceTreeException() {
        String features = new String(Trees.resource("features.dts"), StandardCharsets.UTF_8);
        Fuzz.property("dts-mutations", getClass()).seconds(3).run(r -> {
            String base = r.nextInt(3) == 0 ? features : Trees.SERVICE.toDts(randomTreeWithDtsNames(r));
            String src = mutate(r, base);
            DeviceTree t;
            try {
                t = Trees.SERVICE.parseDts(src, "test.dts");
            } catch (DeviceTreeException rejected) {
                return;
            }
            assertRoundTrips(t);
            decodeEverything(t);
        });
    }

    @Test
    void mutatedBlobsGiveATreeOrADeviceTreeExceptionAndAcceptedOnesRoundTripThroughDts() {
        byte[] features = Trees.resource("features.dtb");
        Fuzz.property("dtb-mutations", getClass()).seconds(3).run(r -> {
            byte[] b = mutate(r, r.nextInt(3) == 0 ? features : Trees.SERVICE.toDtb(randomTree(r)));
            DeviceTree t;
            try {
                t = Trees.SERVICE.parseDtb(b, "fuzz.dtb");
            } catch (DeviceTreeException rejected) {
                assertTrue(rejected.getMessage().startsWith("fuzz.dtb"), rejected.getMessage());
                return;
            }
            assertRoundTrips(t);
            decodeEverything(t);
        });
    }

    private static DeviceTree randomTreeWithDtsNames(SplittableRandom r) {
        for (;;) {
            DeviceTree t = randomTree(r);
            try {
                Trees.SERVICE.toDts(t);
                return t;
            } catch (DeviceTreeException unspellable) {
                // a generated name DTS cannot spell; draw again
            }
        }
    }

    private static String mutate(SplittableRandom r, String s) {
        StringBuilder sb = new StringBuilder(s);
        for (int k = r.nextInt(1, 6); k > 0; k--) {
            int at = sb.length() == 0 ? 0 : r.nextInt(sb.length() + 1);
            switch (r.nextInt(5)) {
                case 0 -> sb.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
                case 1 -> sb.delete(at, Math.min(sb.length(), at + r.nextInt(1, 20)));
                case 2 -> {
                    int end = Math.min(sb.length(), at + r.nextInt(1, 200));
                    String piece = sb.substring(at, end);
                    sb.insert(r.nextInt(sb.length() + 1), piece.repeat(r.nextInt(1, 4)));
                }
                case 3 -> {
                    if (at < sb.length()) {
                        sb.setCharAt(at, (char) r.nextInt(0x20, 0x7f));
                    }
                }
                default -> sb.insert(at, (char) r.nextInt(0, 0x100));
            }
        }
        return sb.toString();
    }

    private static byte[] mutate(SplittableRandom r, byte[] blob) {
        byte[] b = blob.clone();
        for (int k = r.nextInt(1, 4); k > 0; k--) {
            switch (r.nextInt(4)) {
                case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                case 1 -> {
                    int off = r.nextInt(b.length / 4) * 4;
                    int[] interesting = {0, 1, 2, 3, 4, 9, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, b.length, b.length + 4,
                        r.nextInt()};
                    ByteBuffer.wrap(b).putInt(off, interesting[r.nextInt(interesting.length)]);
                }
                case 2 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
                default -> {
                    // duplicate a word-aligned run in place: repeated tokens, nodes, properties
                    int from = r.nextInt(b.length / 4) * 4;
                    int len = Math.min(b.length - from, 4 * r.nextInt(1, 16));
                    int to = r.nextInt(b.length / 4) * 4;
                    System.arraycopy(b.clone(), from, b, to, Math.min(len, b.length - to));
                }
            }
            if (b.length < 8) {
                break;
            }
        }
        return b;
    }
}
