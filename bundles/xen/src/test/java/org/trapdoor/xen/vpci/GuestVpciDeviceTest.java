package org.trapdoor.xen.vpci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.xen.pci.HostRig;

/**
 * A real test endpoint assigned to a DomU's vPCI, driven only by guest loads and stores in the
 * trapped ECAM window, as {@code header.c} and {@code cap.c} emulate it for a DomU.
 */
class GuestVpciDeviceTest {
    private final HostRig rig = new HostRig().placeBars();
    private final List<String> physmap = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private final GuestVpci vpci = new GuestVpci();
    private final MemoryTransaction tx = new MemoryTransaction();
    private final VpciDevice dev = new VpciDevice(new HostFunction(rig.bridge, 0, 0x08), false, false,
            new GuestPhysmap() {
                @Override
                public boolean mapMmio(long ipa, long machine, long size) {
                    physmap.add(String.format("map 0x%x -> 0x%x +0x%x", ipa, machine, size));
                    return true;
                }

                @Override
                public void unmapMmio(long ipa, long size) {
                    physmap.add(String.format("unmap 0x%x +0x%x", ipa, size));
                }
            }, log::add);

    GuestVpciDeviceTest() {
        vpci.assign(dev, -1);
    }

    @AfterEach
    void close() {
        rig.close();
    }

    private long read(int slot, int reg, int size) {
        tx.read(GuestVpci.ECAM_BASE + (slot << 15) + reg, size);
        tx.offset = (slot << 15) + reg;
        vpci.access(tx);
        assertEquals(MemResult.OK, tx.result);
        return tx.data;
    }

    private void write(int slot, int reg, int size, long value) {
        tx.write(GuestVpci.ECAM_BASE + (slot << 15) + reg, size, value);
        tx.offset = (slot << 15) + reg;
        vpci.access(tx);
        assertEquals(MemResult.OK, tx.result);
    }

    private int hostCommand() {
        return rig.bridge.read(0, 0x08, 0x04, 2);
    }

    @Test
    void identityRegistersReadThroughFromTheDevice() {
        assertEquals(TestDevice.DEVICE_ID << 16 | TestDevice.VENDOR_ID, read(0, 0, 4));
        assertEquals(TestDevice.CLASS_CODE << 8 | TestDevice.REVISION, read(0, 8, 4));
        assertEquals(0, read(0, 0x0e, 1) & 0x7f, "header type 0");
    }

    @Test
    void assignmentTurnsDecodingOffAndTheGuestSeesACleanCommand() {
        assertEquals(0, hostCommand() & 0x6, "memory decoding and bus mastering off at assignment");
        assertEquals(0, read(0, 4, 2) & 0x7);
    }

    @Test
    void commandReservedBitsArePreservedAndIoStaysOff() {
        write(0, 4, 2, 0xffff);
        // IO, PARITY, WAIT, SERR, FAST_BACK and 15:11 are RsvdP: they read 0 and keep their value.
        assertEquals(0x0406 | 0x38, read(0, 4, 2) & 0xffff);
        assertEquals(0, hostCommand() & 0x1, "I/O decoding never reaches the device");
        assertEquals(0x2, hostCommand() & 0x2);
    }

    @Test
    void barSizingWorksOnTheGuestsCopy() {
        write(0, 0x10, 4, 0xffff_ffffL);
        assertEquals(0xffff_f000L, read(0, 0x10, 4), "4 KiB 32-bit BAR0");
        write(0, 0x18, 4, 0xffff_ffffL);
        write(0, 0x1c, 4, 0xffff_ffffL);
        long lo = read(0, 0x18, 4);
        long hi = read(0, 0x1c, 4);
        long size = -((hi << 32 | lo) & ~0xfL);
        assertEquals(0x4, lo & 0x6, "64-bit type bits");
        assertEquals(dev.barSize(2), size);
        assertEquals(HostRig.BAR0_01, rig.bridge.read(0, 0x08, 0x10, 4) & ~0xfL, "the host BAR is untouched");
    }

    @Test
    void enablingDecodingMapsTheBarsAtTheGuestAddressesAndDisablingUnmaps() {
        write(0, 0x10, 4, 0x2300_0000L);
        write(0, 0x18, 4, 0);
        write(0, 0x1c, 4, 1);
        write(0, 4, 2, 0x6);
        assertEquals(List.of(String.format("map 0x23000000 -> 0x%x +0x1000", HostRig.BAR0_01),
                String.format("map 0x100000000 -> 0x%x +0x%x", HostRig.BAR2_01, dev.barSize(2))), physmap);
        assertEquals(0x6, hostCommand() & 0x6, "the device decodes again");
        assertTrue(dev.barsMapped());
        // A BAR write while mapped is ignored.
        write(0, 0x10, 4, 0x2400_0000L);
        assertEquals(0x2300_0000L, read(0, 0x10, 4));
        physmap.clear();
        write(0, 4, 2, 0x4);
        assertEquals(List.of("unmap 0x23000000 +0x1000", String.format("unmap 0x100000000 +0x%x", dev.barSize(2))),
                physmap);
        assertEquals(0, hostCommand() & 0x2);
    }

    @Test
    void onlyMsiAndMsixAreLeftInTheCapabilityChain() {
        assertEquals(0x10, read(0, 6, 2) & 0x10, "CAP_LIST");
        int pos = (int) read(0, 0x34, 1);
        List<Integer> ids = new ArrayList<>();
        while (pos != 0) {
            ids.add((int) read(0, pos, 1));
            pos = (int) read(0, pos + 1, 1) & ~3;
        }
        assertEquals(List.of(0x05, 0x11), ids, "the PCIe capability is unlinked");
    }

    @Test
    void extendedSpaceReadsZeroAndIgnoresWrites() {
        assertEquals(0, read(0, 0x100, 4));
        write(0, 0x100, 4, 0x1234_5678);
        assertEquals(0, read(0, 0xffc, 4));
    }

    @Test
    void registersWithoutAHandlerReadAllOnesAndDropWrites() {
        int hostLine = rig.bridge.read(0, 0x08, 0x3c, 1);
        assertEquals(0xffff_ffffL, read(0, 0x3c, 4));
        write(0, 0x3c, 1, 0x55);
        assertEquals(hostLine, rig.bridge.read(0, 0x08, 0x3c, 1), "the device never saw the write");
        assertEquals(1, dev.droppedWrites());
    }

    @Test
    void romAndUnusedBarsReadZero() {
        assertEquals(0, read(0, 0x30, 4));
        assertEquals(0, read(0, 0x14, 4), "BAR1 is empty");
    }

    @Test
    void aBdfTheDomainDoesNotOwnReadsAllOnes() {
        assertEquals(0xffff_ffffL, read(1, 0, 4), "slot 1 is empty");
        assertEquals(0xffffL, read(0, 0x1000 + 0, 2), "function 1 of slot 0");
        tx.read(GuestVpci.ECAM_BASE + (1 << 20), 4);
        tx.offset = 1 << 20;
        vpci.access(tx);
        assertEquals(0xffff_ffffL, tx.data, "bus 1");
        assertEquals(3, vpci.unownedAccesses());
    }

    @Test
    void eightByteAccessesAreTwoDwords() {
        // 0x08 class/revision, then 0x0c: cache line and latency (no handler: 0xff), header type 0, BIST (0xff).
        assertEquals(0xff00_ffffL << 32 | (TestDevice.CLASS_CODE << 8 | TestDevice.REVISION), read(0, 8, 8));
    }

    @Test
    void misalignedOrOddSizedAccessesAreDataAbortsAndCounted() {
        for (int[] a : new int[][] {{2, 4}, {1, 2}, {4, 8}, {0, 3}}) {
            tx.read(GuestVpci.ECAM_BASE + a[0], a[1]);
            tx.offset = a[0];
            vpci.access(tx);
            assertEquals(MemResult.ABORT, tx.result, a[0] + "/" + a[1]);
        }
        assertEquals(4, vpci.aborts());
    }

    @Test
    void slotsAreHandedOutFirstFreeAndRunOutAfter32() {
        GuestVpci v = new GuestVpci();
        for (int i = 0; i < GuestVpci.MAX_VIRT_DEV; i++) {
            assertEquals(i, v.assign(new org.trapdoor.api.pci.ConfigSpace(org.trapdoor.api.pci.ConfigAccessor.ALL_ONES), -1));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> v.assign(org.trapdoor.api.pci.ConfigAccessor.ALL_ONES, -1));
        assertTrue(e.getMessage().contains("32"), e.getMessage());
    }

    @Test
    void garbageWrittenAllOverTheWindowNeverThrowsAndLeavesTheHostsIdentityAndBarsAlone() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(0x5eed);
        int[] sizes = {1, 2, 3, 4, 5, 8};
        long aborts = 0;
        for (int i = 0; i < 20_000; i++) {
            int size = sizes[r.nextInt(sizes.length)];
            long off = r.nextInt(4) == 0 ? r.nextLong(GuestVpci.ECAM_SIZE) : r.nextInt(0x1000);
            boolean bad = !MemoryTransaction.validSize(size) || (off & (size - 1)) != 0;
            if (r.nextBoolean()) {
                tx.write(GuestVpci.ECAM_BASE + off, size, r.nextLong());
            } else {
                tx.read(GuestVpci.ECAM_BASE + off, size);
            }
            tx.offset = off;
            vpci.access(tx);
            assertEquals(bad ? MemResult.ABORT : MemResult.OK, tx.result, off + "/" + size);
            aborts += bad ? 1 : 0;
        }
        assertEquals(aborts, vpci.aborts());
        assertEquals(TestDevice.DEVICE_ID << 16 | TestDevice.VENDOR_ID, rig.bridge.read(0, 0x08, 0, 4));
        assertEquals(HostRig.BAR0_01, rig.bridge.read(0, 0x08, 0x10, 4) & ~0xfL, "the host BAR never moved");
        assertEquals(0, hostCommand() & 0x1, "I/O decoding never reached the device");
    }
}
