package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;
import static org.trapdoor.api.pci.PciConfig.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.pci.PciBar;

class BridgeTest {
    private final FakeEcam ecam = new FakeEcam(EcamTrees.ECAM, 16);

    private static GuestPciDevice find(LinuxKernel k, int bus, int devfn) {
        return k.pciDevices().stream().filter(d -> d.bus() == bus && d.devfn() == devfn).findFirst().orElse(null);
    }

    @Test
    void numbersBusesDepthFirstAndScansBehindBridges() {
        ecam.add(0, 0x10, FakeEcam.bridge(0x1b36, 0x000c));
        ecam.add(1, 0x00, FakeEcam.bridge(0x1b36, 0x000c));
        ecam.add(2, 0x00, FakeEcam.endpoint(0x1234, 0x11e9));
        ecam.add(0, 0x18, FakeEcam.bridge(0x1b36, 0x000c));
        LinuxKernel k = LinuxKernel.boot("test", ecam, EcamTrees.host(16, EcamTrees.virtRanges(0x10_0000)));
        assertEquals(List.of("0000:00:02.0", "0000:00:03.0", "0000:01:00.0", "0000:02:00.0"),
                k.pciDevices().stream().map(GuestPciDevice::bdf).sorted().toList());
        assertEquals(0x00_02_01_00, ecam.config(0, 0x10, 0x18, 4), "00:02.0: primary 0, secondary 1, subordinate 2");
        assertEquals(0x00_02_02_01, ecam.config(1, 0x00, 0x18, 4), "01:00.0: primary 1, secondary 2, subordinate 2");
        assertEquals(0x00_03_03_00, ecam.config(0, 0x18, 0x18, 4), "00:03.0: primary 0, secondary 3, subordinate 3");
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("pci 0000:00:02.0: PCI bridge to [bus 01-02]")));
    }

    @Test
    void sizesAndProgramsBridgeWindowsAndAssignsDevicesInsideThem() {
        PciBar.memory32(ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x0001)).cs, 0, 0x1000, false);
        ecam.add(0, 0x10, FakeEcam.bridge(0x1b36, 0x000c));
        FakeEcam.Fn dev = ecam.add(1, 0x00, FakeEcam.endpoint(0x1234, 0x11e9));
        PciBar.memory32(dev.cs, 0, 0x2000, false);
        PciBar.memory64(dev.cs, 2, 0x4000, true);
        LinuxKernel k = LinuxKernel.boot("test", ecam, EcamTrees.host(16, EcamTrees.virtRanges(0x2eff_0000L)));
        GuestPciDevice below = find(k, 1, 0x00);
        assertEquals(EcamTrees.MEM32, below.bar(0).busAddress(), "inside the bridge's memory window");
        assertEquals(EcamTrees.MEM64, below.bar(2).busAddress(), "inside the bridge's prefetchable window");
        assertEquals(EcamTrees.MEM32 + 0x10_0000, find(k, 0, 0x08).bar(0).busAddress(), "after the 1 MiB bridge window");
        assertEquals(0x1000_1000, ecam.config(0, 0x10, 0x20, 4), "memory window 0x10000000-0x100fffff");
        assertEquals(0x0001_0001, ecam.config(0, 0x10, 0x24, 4), "prefetchable window low bits of 0x80_0000_0000");
        assertEquals(0x80, ecam.config(0, 0x10, 0x28, 4));
        assertEquals(0x80, ecam.config(0, 0x10, 0x2c, 4));
        assertEquals(0x00f0, ecam.config(0, 0x10, 0x1c, 2), "no I/O below: the I/O window is closed");
        assertEquals(COMMAND_MEMORY | COMMAND_MASTER, find(k, 0, 0x10).command());
        assertEquals(COMMAND_MEMORY | COMMAND_MASTER, below.command());
    }

    @Test
    void ioBelowABridgeGetsA4KiBIoWindow() {
        ecam.add(0, 0x10, FakeEcam.bridge(0x1b36, 0x000c));
        PciBar.io(ecam.add(1, 0x00, FakeEcam.endpoint(0x1234, 0x11e9)).cs, 0, 0x20);
        LinuxKernel k = LinuxKernel.boot("test", ecam, EcamTrees.host(16, EcamTrees.virtRanges(0x10_0000)));
        assertEquals(0x1000, find(k, 1, 0x00).bar(0).busAddress());
        assertEquals(0x1010, ecam.config(0, 0x10, 0x1c, 2), "I/O window 0x1000-0x1fff");
        assertEquals(COMMAND_IO | COMMAND_MASTER, find(k, 0, 0x10).command());
    }

    @Test
    void bridgeWithoutBusNumbersLeftHidesItsBusAndSaysSo() {
        ecam.add(0, 0x10, FakeEcam.bridge(0x1b36, 0x000c));
        ecam.add(1, 0x00, FakeEcam.endpoint(0x1234, 0x11e9));
        LinuxKernel k = LinuxKernel.boot("test", ecam, EcamTrees.host(1, EcamTrees.virtRanges(0x10_0000)));
        assertEquals(1, k.pciDevices().size());
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("no bus number left")));
    }
}
