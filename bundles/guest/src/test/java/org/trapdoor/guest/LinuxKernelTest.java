package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;
import static org.trapdoor.api.pci.PciConfig.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestCapability;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.pci.MsiCapability;
import org.trapdoor.api.pci.MsixCapability;
import org.trapdoor.api.pci.PciBar;
import org.trapdoor.api.pci.PcieCapability;
import org.trapdoor.guest.pci.PciHostGeneric;

class LinuxKernelTest {
    private final FakeEcam ecam = new FakeEcam(EcamTrees.ECAM, 16);

    private LinuxKernel boot(DeviceTree tree) {
        return LinuxKernel.boot("test", ecam, tree);
    }

    private LinuxKernel bootVirt() {
        return boot(EcamTrees.host(16, EcamTrees.virtRanges(0x2eff_0000L)));
    }

    private static GuestPciDevice find(LinuxKernel k, int bus, int devfn) {
        for (GuestPciDevice d : k.pciDevices()) {
            if (d.bus() == bus && d.devfn() == devfn) {
                return d;
            }
        }
        return null;
    }

    private static boolean logged(LinuxKernel k, String text) {
        return k.bootLog().stream().anyMatch(l -> l.contains(text));
    }

    @Test
    void enumeratesFunctionZeroAndOtherFunctionsOnlyOfMultiFunctionDevices() {
        ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x11e9));
        ecam.add(0, 0x10, new FakeEcam.Fn(0x1af4, 0x1000, 0x020000, HEADER_TYPE_MULTIFUNCTION, 0));
        ecam.add(0, 0x13, FakeEcam.endpoint(0x1af4, 0x1001));
        // Single-function device with something answering at function 2: Linux does not look there.
        ecam.add(0, 0x18, FakeEcam.endpoint(0x1b36, 0x0001));
        ecam.add(0, 0x1a, FakeEcam.endpoint(0x1b36, 0x0002));
        // Function 1 without function 0: not a device.
        ecam.add(0, 0x21, FakeEcam.endpoint(0x1b36, 0x0003));
        LinuxKernel k = bootVirt();
        List<String> bdfs = k.pciDevices().stream().map(GuestPciDevice::bdf).toList();
        assertEquals(List.of("0000:00:01.0", "0000:00:02.0", "0000:00:02.3", "0000:00:03.0"), bdfs);
        GuestPciDevice d = find(k, 0, 0x10);
        assertEquals(0x1af4, d.vendorId());
        assertEquals(0x1000, d.deviceId());
        assertEquals(0x020000, d.classCode());
        assertEquals(1, d.revision());
        assertTrue(logged(k, "pci 0000:00:01.0: [1234:11e9] type 00 class 0x00ff00"));
    }

    @Test
    void noDevicesMeansNoFunctionsAndOnlyLegalEcamAccesses() {
        LinuxKernel k = bootVirt();
        assertTrue(k.pciDevices().isEmpty());
        assertEquals(1, k.pciHosts().size());
        for (FakeEcam.Access a : ecam.trace) {
            assertTrue(a.size() == 1 || a.size() == 2 || a.size() == 4, "access size " + a.size());
            assertEquals(0, a.address() & (a.size() - 1), "misaligned access " + a);
            assertTrue(a.address() >= EcamTrees.ECAM && a.address() < EcamTrees.ECAM + (16L << 20), "outside ECAM " + a);
        }
        assertEquals(32, ecam.trace.size(), "one vendor read per slot of the root bus; other buses are reached through bridges");
    }

    @Test
    void allConfigAccessesReuseOneTransaction() {
        FakeEcam.Fn f = ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x11e9));
        PciBar.memory32(f.cs, 0, 0x1000, false);
        bootVirt();
        assertTrue(ecam.trace.size() > 20);
        assertEquals(1, ecam.transactions.size());
    }

    @Test
    void sizes32And64BitBarsWithDecodingOffAndRestoresCommand() {
        FakeEcam.Fn f = ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x11e9));
        PciBar.memory32(f.cs, 0, 0x1000, false);
        PciBar.memory64(f.cs, 2, 0x4000, true);
        PciBar.io(f.cs, 4, 0x20);
        f.command.set(COMMAND_MEMORY | COMMAND_IO);
        LinuxKernel k = bootVirt();
        GuestPciDevice d = find(k, 0, 0x08);
        assertEquals(3, d.bars().size());
        GuestBar b0 = d.bar(0);
        assertEquals(GuestBar.Type.MEM32, b0.type());
        assertEquals(0x1000, b0.size());
        GuestBar b2 = d.bar(2);
        assertEquals(GuestBar.Type.MEM64, b2.type());
        assertTrue(b2.prefetchable());
        assertEquals(0x4000, b2.size());
        assertNull(d.bar(3), "the high half of a 64-bit BAR is not a BAR");
        GuestBar b4 = d.bar(4);
        assertEquals(GuestBar.Type.IO, b4.type());
        assertEquals(0x20, b4.size());
        assertFalse(f.commandDuringSizing.isEmpty());
        for (int cmd : f.commandDuringSizing) {
            assertEquals(0, cmd & (COMMAND_MEMORY | COMMAND_IO), "decoding must be off while a BAR holds all-ones");
        }
        assertTrue(logged(k, "reg 0x18: [mem 0x00000000-0x00003fff 64bit pref]"));
    }

    @Test
    void assignsLargestFirstNaturallyAlignedInsideTheRightWindows() {
        FakeEcam.Fn a = ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x0001));
        PciBar.memory32(a.cs, 0, 0x1000, false);
        FakeEcam.Fn b = ecam.add(0, 0x10, FakeEcam.endpoint(0x1234, 0x0002));
        PciBar.memory32(b.cs, 0, 0x10_0000, false);
        PciBar.memory32(b.cs, 1, 0x1_0000, false);
        PciBar.memory64(b.cs, 2, 0x4000, true);
        PciBar.io(b.cs, 5, 0x100);
        LinuxKernel k = bootVirt();
        GuestPciDevice da = find(k, 0, 0x08);
        GuestPciDevice db = find(k, 0, 0x10);
        assertEquals(EcamTrees.MEM32, db.bar(0).busAddress());
        assertEquals(EcamTrees.MEM32 + 0x10_0000, db.bar(1).busAddress());
        assertEquals(EcamTrees.MEM32 + 0x11_0000, da.bar(0).busAddress());
        // A 64-bit prefetchable BAR goes into the 64-bit window when there is one.
        assertEquals(EcamTrees.MEM64, db.bar(2).busAddress());
        assertEquals(EcamTrees.MEM64, db.bar(2).cpuAddress());
        // I/O: bus address from PCIBIOS_MIN_IO, CPU address inside the I/O window.
        assertEquals(0x1000, db.bar(5).busAddress());
        assertEquals(EcamTrees.IO_CPU + 0x1000, db.bar(5).cpuAddress());
        for (GuestPciDevice d : k.pciDevices()) {
            for (GuestBar bar : d.bars()) {
                assertEquals(0, bar.busAddress() & (bar.size() - 1), "natural alignment of " + bar);
            }
        }
        // The registers hold what the kernel reported.
        assertEquals((int) EcamTrees.MEM32, ecam.config(0, 0x10, BAR0, 4));
        assertEquals(0x0000000c, ecam.config(0, 0x10, BAR0 + 8, 4));
        assertEquals(0x80, ecam.config(0, 0x10, BAR0 + 12, 4));
        assertEquals(0x1001, ecam.config(0, 0x10, BAR0 + 20, 4));
        int cmd = ecam.config(0, 0x10, COMMAND, 2);
        assertEquals(COMMAND_MEMORY | COMMAND_IO | COMMAND_MASTER, cmd);
        assertEquals(cmd, db.command());
    }

    @Test
    void prefetchable64BitBarFallsBackToThe32BitWindowWithoutA64BitOne() {
        FakeEcam.Fn f = ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x11e9));
        PciBar.memory64(f.cs, 0, 0x4000, true);
        LinuxKernel k = boot(EcamTrees.host(16, EcamTrees.range(0x0200_0000L, EcamTrees.MEM32, EcamTrees.MEM32, 0x10_0000)));
        assertEquals(EcamTrees.MEM32, find(k, 0, 0x08).bar(0).busAddress());
    }

    @Test
    void nonPrefetchableBarNeverGoesIntoAPrefetchableWindow() {
        FakeEcam.Fn f = ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x11e9));
        PciBar.memory32(f.cs, 0, 0x1000, false);
        PciBar.memory32(f.cs, 1, 0x1000, true);
        LinuxKernel k = boot(EcamTrees.host(16, EcamTrees.range(0x4200_0000L, EcamTrees.MEM32, EcamTrees.MEM32, 0x10_0000)));
        GuestPciDevice d = find(k, 0, 0x08);
        assertFalse(d.bar(0).assigned());
        assertEquals(EcamTrees.MEM32, d.bar(1).busAddress());
    }

    @Test
    void windowExhaustionLeavesTheBarUnassignedLogsItAndDoesNotEnableDecoding() {
        FakeEcam.Fn a = ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x0001));
        PciBar.memory32(a.cs, 0, 0x2000, false);
        FakeEcam.Fn b = ecam.add(0, 0x10, FakeEcam.endpoint(0x1234, 0x0002));
        PciBar.memory32(b.cs, 0, 0x2000, false);
        PciBar.memory32(b.cs, 1, 0x1000, false);
        FakeEcam.Fn c = ecam.add(0, 0x18, FakeEcam.endpoint(0x1234, 0x0003));
        PciBar.memory32(c.cs, 0, 0x2000, false);
        LinuxKernel k = boot(EcamTrees.host(16, EcamTrees.range(0x0200_0000L, EcamTrees.MEM32, EcamTrees.MEM32, 0x4000)));
        GuestPciDevice da = find(k, 0, 0x08);
        GuestPciDevice db = find(k, 0, 0x10);
        GuestPciDevice dc = find(k, 0, 0x18);
        assertTrue(da.bar(0).assigned());
        assertTrue(db.bar(0).assigned());
        assertFalse(db.bar(1).assigned());
        assertFalse(dc.bar(0).assigned());
        assertEquals(-1, dc.bar(0).cpuAddress());
        assertEquals(0, ecam.config(0, 0x18, BAR0, 4), "a failed BAR keeps its old value");
        assertTrue(logged(k, "pci 0000:00:03.0: BAR 0: no space for [mem size 0x00002000]"));
        assertTrue(logged(k, "pci 0000:00:03.0: BAR 0: failed to assign [mem size 0x00002000]"));
        assertEquals(COMMAND_MASTER, dc.command(), "nothing assigned, so no memory decoding");
        assertEquals(COMMAND_MEMORY | COMMAND_MASTER, db.command());
    }

    @Test
    void walksStandardAndExtendedCapabilities() {
        FakeEcam.Fn f = ecam.add(0, 0x08, new FakeEcam.Fn(0x1234, 0x11e9, 0x00ff00, 0, 0x40));
        PciBar.memory32(f.cs, 0, 0x1000, false);
        PciBar.memory64(f.cs, 2, 0x1000, false);
        new MsiCapability(f.cs, 0x40, 0x60, 4, true, true);
        new MsixCapability(f.cs, 0x60, 0x70, 8, 2, 0, 2, 0x800);
        new PcieCapability(f.cs, 0x70, 0, 256, 1, 1);
        f.cs.constant(0x100, 4, 0x1 | 1 << 16 | 0x140 << 20);
        f.cs.constant(0x140, 4, 0xb | 1 << 16);
        LinuxKernel k = bootVirt();
        List<GuestCapability> caps = find(k, 0, 0x08).capabilities();
        assertEquals(List.of(new GuestCapability(CAP_ID_MSI, 0x40, false, 0),
                new GuestCapability(CAP_ID_MSIX, 0x60, false, 0),
                new GuestCapability(CAP_ID_EXP, 0x70, false, 0),
                new GuestCapability(0x1, 0x100, true, 1),
                new GuestCapability(0xb, 0x140, true, 1)), caps);
        assertNotNull(find(k, 0, 0x08).capability(CAP_ID_MSIX));
    }

    @Test
    void extendedListIsNotReadForConventionalPciFunctions() {
        FakeEcam.Fn f = ecam.add(0, 0x08, new FakeEcam.Fn(0x1234, 0x11e9, 0x00ff00, 0, 0x40));
        new MsiCapability(f.cs, 0x40, 0, 1, false, false);
        f.cs.constant(0x100, 4, 0x1 | 1 << 16);
        LinuxKernel k = bootVirt();
        assertEquals(1, find(k, 0, 0x08).capabilities().size());
    }

    @Test
    void loopingCapabilityListStopsAfterTheTtl() {
        FakeEcam.Fn f = ecam.add(0, 0x08, new FakeEcam.Fn(0x1234, 0x11e9, 0x00ff00, 0, 0x40));
        f.cs.constant(0x40, 2, CAP_ID_VNDR | 0x50 << 8);
        f.cs.constant(0x50, 2, CAP_ID_VNDR | 0x40 << 8);
        LinuxKernel k = bootVirt();
        assertEquals(CAP_WALK_TTL, find(k, 0, 0x08).capabilities().size());
        assertTrue(logged(k, "capability list longer than 48 entries"));
    }

    @Test
    void loopingExtendedListStopsAfterItsTtl() {
        FakeEcam.Fn f = ecam.add(0, 0x08, new FakeEcam.Fn(0x1234, 0x11e9, 0x00ff00, 0, 0x40));
        new PcieCapability(f.cs, 0x40, 0, 256, 1, 1);
        f.cs.constant(0x100, 4, 0x1 | 1 << 16 | 0x100 << 20);
        LinuxKernel k = bootVirt();
        assertEquals(1 + PciHostGeneric.EXT_CAP_TTL, find(k, 0, 0x08).capabilities().size());
    }

    @Test
    void capabilityPointerBelowTheHeaderEndsTheWalk() {
        FakeEcam.Fn f = ecam.add(0, 0x08, new FakeEcam.Fn(0x1234, 0x11e9, 0x00ff00, 0, 0x40));
        f.cs.constant(0x40, 2, CAP_ID_VNDR | 0x3c << 8);
        LinuxKernel k = bootVirt();
        assertEquals(1, find(k, 0, 0x08).capabilities().size());
    }

    @Test
    void busRangeIsClampedToWhatTheEcamWindowHolds() {
        DeviceTree tree = EcamTrees.host(4, EcamTrees.virtRanges(0x10_0000));
        tree.node("/pcie@10000000").put(DtProperty.ofCells("bus-range", 0, 0xff));
        LinuxKernel k = boot(tree);
        GuestPciHost h = k.pciHosts().get(0);
        assertEquals(0, h.busFirst());
        assertEquals(3, h.busLast());
        assertTrue(logged(k, "can only accommodate [bus 00-03]"));
    }

    @Test
    void hostInfoCarriesWindowsSegmentAndMsiParent() {
        DeviceTree tree = EcamTrees.host(16, EcamTrees.virtRanges(0x10_0000), "linux,pci-domain=3");
        LinuxKernel k = boot(tree);
        GuestPciHost h = k.pciHosts().get(0);
        assertEquals(3, h.segment());
        assertEquals(EcamTrees.ECAM, h.ecamBase());
        assertEquals(3, h.windows().size());
        assertEquals(GuestBar.Type.IO, h.windows().get(0).type());
        assertNull(h.msiParent());
        assertNull(h.problem());
    }

    @Test
    void msiParentComesFromMsiMapAndABrokenOneOnlyCostsMsi() {
        DeviceTree tree = EcamTrees.host(16, EcamTrees.virtRanges(0x10_0000));
        DtNode its = new DtNode("its@8080000", tree.root());
        its.put(DtProperty.ofCells("phandle", 7));
        tree.node("/pcie@10000000").put(DtProperty.ofCells("msi-map", 0, 7, 0, 0x10000));
        ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x11e9));
        assertEquals("/its@8080000", boot(tree).pciHosts().get(0).msiParent());
        tree.node("/pcie@10000000").put(DtProperty.ofCells("msi-map", 0, 7, 0));
        LinuxKernel k = boot(tree);
        assertNull(k.pciHosts().get(0).msiParent());
        assertNull(k.pciHosts().get(0).problem());
        assertEquals(1, k.pciDevices().size());
    }

    @Test
    void malformedHostNodeFailsItsProbeOnly() {
        DeviceTree tree = EcamTrees.host(16, EcamTrees.virtRanges(0x10_0000));
        tree.node("/pcie@10000000").remove("reg");
        LinuxKernel k = boot(tree);
        assertEquals(1, k.pciHosts().size());
        assertNotNull(k.pciHosts().get(0).problem());
        assertTrue(k.pciDevices().isEmpty());
        assertTrue(logged(k, "probe failed"));
    }

    @Test
    void bootLogIsBounded() {
        for (int slot = 0; slot < 8; slot++) {
            PciBar.memory32(ecam.add(0, slot << 3, FakeEcam.endpoint(0x1234, slot)).cs, 0, 0x1000, false);
        }
        LinuxKernel k = LinuxKernel.boot("test", ecam, EcamTrees.host(16, EcamTrees.virtRanges(0x10_0000)), 10);
        assertEquals(10, k.bootLog().size());
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("8 function(s) enumerated")));
    }
}
