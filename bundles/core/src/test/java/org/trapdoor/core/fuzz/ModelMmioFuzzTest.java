package org.trapdoor.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.PciDeviceFactory;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.core.Presets;
import org.trapdoor.core.bus.Region;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.testkit.Fuzz;

/**
 * Every model's register file, through the composed machine as a CPU reaches it: random reads
 * and writes of every access size at random offsets (aligned or not, inside a region or just past
 * its end) of every mapped region, including ECAM (so config space too), on every preset with
 * every driver on the class path bound. Invariants: no access throws, none hangs (the harness
 * watches), RAM stays RAM. After the storm, config space still behaves: IDs are read-only and
 * BAR sizing reads back a power-of-two size (issue 9, "Fuzzing as part of the build").
 */
class ModelMmioFuzzTest {
    private static final DeviceTreeService LOADER = new DeviceTreeService();
    private static final int[] SIZES = {1, 2, 4, 8};
    private static final long ECAM = 0x40_1000_0000L;

    static List<String> platforms() {
        List<String> out = new ArrayList<>(Presets.NAMES);
        out.add("mmu500");
        return out;
    }

    static ComposedMachine compose(String platform) {
        DeviceTree tree;
        if (platform.equals("mmu500")) {
            try (InputStream in = ModelMmioFuzzTest.class.getResourceAsStream("/mmu500.dts")) {
                tree = LOADER.parseDts(new String(in.readAllBytes(), StandardCharsets.UTF_8), "mmu500.dts");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        } else {
            tree = Presets.load(LOADER, platform);
        }
        ComposedMachine m = new ComposedMachine(tree);
        for (HardwareDriver d : ModelCatalog.drivers()) {
            m.addDriver(d);
        }
        for (PciDeviceFactory f : ModelCatalog.factories()) {
            m.addFactory(f);
        }
        if (!m.hostBridges().isEmpty()) {
            m.attach("testdev,addr=01.0,msi=4,msix=8");
            m.attach("testdev,addr=02.0");
        }
        return m;
    }

    /** The catalog finds the models the build has: a scan that found nothing would fuzz nothing. */
    @Test
    void theCatalogFindsEveryDriverAndFactoryOnTheClassPath() {
        Set<String> drivers = new TreeSet<>();
        ModelCatalog.drivers().forEach(d -> drivers.add(d.name()));
        assertTrue(drivers.containsAll(Set.of("pci-ecam", "gicv3", "gicv3-its", "gicv2", "gicv2m", "smmuv3", "smmuv2")),
                "drivers found: " + drivers);
        assertEquals(1, ModelCatalog.factories().stream().filter(f -> f.type().equals("testdev")).count());
    }

    @Test
    void randomAccessesToEveryRegionOfEveryPlatformNeitherThrowNorHang() {
        List<String> platforms = platforms();
        Fuzz.property("mmio-every-region", getClass()).seconds(4).run(r -> {
            String platform = platforms.get(r.nextInt(platforms.size()));
            try (ComposedMachine m = compose(platform)) {
                List<Region> regions = m.bus().regions();
                MemoryTransaction tx = new MemoryTransaction();
                for (int i = 0; i < 1000; i++) {
                    Region g = regions.get(r.nextInt(regions.size()));
                    long offset = offset(r, g.size());
                    int size = SIZES[r.nextInt(SIZES.length)];
                    long address = g.base() + offset;
                    if (r.nextBoolean()) {
                        tx.write(address, size, value(r, size));
                    } else {
                        tx.read(address, size);
                    }
                    try {
                        m.system().access(tx);
                    } catch (RuntimeException | Error e) {
                        throw new AssertionError(String.format("%s: %s of %d bytes at 0x%x (%s + 0x%x)", platform,
                                tx.write ? "write 0x" + Long.toHexString(tx.data) : "read", size, address, g.name(),
                                offset), e);
                    }
                }
                // The endpoints' config space at virt's ECAM window; a vendor bridge (zcu102's
                // NWL) hides them until its bring-up, and behind its root port.
                if (!m.hostBridges().isEmpty() && m.platform().nodes().stream()
                        .anyMatch(n -> n.compatibles().contains("pci-host-ecam-generic"))) {
                    checkConfigSpace(m, 0x08);
                    checkConfigSpace(m, 0x10);
                }
            }
        });
    }

    /** Mostly low offsets (where registers are), some anywhere, some just past the end, some unaligned. */
    private static long offset(SplittableRandom r, long size) {
        long o = switch (r.nextInt(4)) {
            case 0, 1 -> r.nextLong(Math.min(size, 0x1000));
            case 2 -> Long.remainderUnsigned(r.nextLong(), size);
            default -> size - 8 + r.nextInt(16);
        };
        return r.nextInt(4) == 0 ? o : o & ~7L;
    }

    private static long value(SplittableRandom r, int size) {
        long v = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> -1L;
            case 2 -> 1L << r.nextInt(64);
            default -> r.nextLong();
        };
        return size == 8 ? v : v & ((1L << (size * 8)) - 1);
    }

    /** Status bits that are write-one-to-clear (PCI Local Bus 3.0, 6.2.3): parity, aborts, SERR. */
    private static final int STATUS_RW1C = 0xf900;

    /**
     * Vendor and device ID read-only; Status: writing zeros changes nothing, writing ones clears
     * the RW1C bits and leaves the read-only ones; BAR0 (32-bit, 4 KiB) sizes as a power of two.
     */
    private static void checkConfigSpace(ComposedMachine m, int devfn) {
        long base = ECAM + ((long) devfn << 12);
        long id = m.system().read(base, 4);
        assertEquals(0x11e9_1234L, id, "vendor and device ID survive writes");
        m.system().write(base, 4, 0);
        assertEquals(id, m.system().read(base, 4), "vendor and device ID are read-only");
        long status = m.system().read(base + 6, 2);
        m.system().write(base + 6, 2, 0);
        assertEquals(status, m.system().read(base + 6, 2), "writing zeros to Status changes nothing");
        m.system().write(base + 6, 2, 0xffff);
        assertEquals(status & ~STATUS_RW1C, m.system().read(base + 6, 2),
                "writing ones to Status clears its RW1C bits and no other");
        m.system().write(base + 0x10, 4, 0xffff_ffffL);
        long mask = m.system().read(base + 0x10, 4) & ~0xfL & 0xffff_ffffL;
        long size = (~mask + 1) & 0xffff_ffffL;
        assertTrue(size != 0 && Long.bitCount(size) == 1, String.format("BAR0 sizes to 0x%x", size));
    }
}
