package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.memory.PhysicalMemory;

/**
 * The guest drives the ITS as Linux 6.x's {@code irq-gic-v3-its.c} does, checked through what it
 * wrote to the model's registers and to guest memory (tables, the command queue).
 */
class IrqGicv3ItsTest {
    static final long ITS = 0x0808_0000L;
    static final String MSIX_DEV = "0000:00:01.0";
    static final String MSI_DEV = "0000:00:02.0";
    static final int MAPD = 0x08, MAPC = 0x09, MAPTI = 0x0A, INV = 0x0C, INVALL = 0x0D, SYNC = 0x05, DISCARD = 0x0F;

    private MachineRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private LinuxKernel boot(String platform, String... devices) {
        rig = new MachineRig(platform, devices);
        return rig.boot();
    }

    private LinuxKernel bootVirt() {
        return boot("virt", "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
    }

    private long reg(long offset) {
        return rig.machine.system().read(ITS + offset, 8);
    }

    private List<GuestMsiVector> of(LinuxKernel k, String bdf) {
        return k.msiVectors().stream().filter(v -> v.bdf().equals(bdf)).toList();
    }

    /** The commands in the ITS's queue from its start to CWRITER, each as its four doublewords. */
    private List<long[]> commands() {
        PhysicalMemory mem = rig.machine.memory();
        long base = reg(0x80) & 0x000F_FFFF_FFFF_F000L;
        long writer = reg(0x88) & 0xF_FFE0L;
        List<long[]> out = new ArrayList<>();
        for (long off = 0; off < writer; off += 32) {
            out.add(new long[] {mem.load64(base + off), mem.load64(base + off + 8), mem.load64(base + off + 16),
                mem.load64(base + off + 24)});
        }
        return out;
    }

    private static List<Integer> opcodes(List<long[]> cmds) {
        return cmds.stream().map(c -> (int) (c[0] & 0xff)).toList();
    }

    @Test
    void theDeviceTableIsTwoLevelWhenFlatItWouldExceedTwoPages() {
        LinuxKernel k = bootVirt();
        long baser0 = reg(0x100);
        assertTrue(baser0 < 0, "Valid");
        assertTrue((baser0 & 1L << 62) != 0, "16 DeviceID bits x 8 bytes = 512 KiB flat > 2 x 64 KiB: Indirect");
        assertEquals(1, (baser0 >>> 56) & 7, "the Device table");
        assertEquals(2, (baser0 >>> 8) & 3, "64 KiB ITS pages");
        assertEquals(0, baser0 & 0xff, "one page of level-1 entries");
        long baser1 = reg(0x108);
        assertTrue(baser1 < 0 && (baser1 & 1L << 62) == 0, "the Collection table is one flat page");
        long l1 = baser0 & 0x0000_FFFF_FFFF_0000L;
        PhysicalMemory mem = rig.machine.memory();
        long l2 = mem.load64(l1);
        assertTrue(l2 < 0, "DeviceIDs 0x8 and 0x10 are in level-2 page 0, allocated at MAPD");
        assertEquals(0, mem.load64(l1 + 8), "no DeviceID >= 8192 yet: no second level-2 page");
        assertEquals(0, l2 & 0xFFFF, "a 64 KiB-aligned page");
        long dte = mem.load64((l2 & 0x000F_FFFF_FFFF_F000L) + 8 * 0x8);
        assertEquals(1, dte & 1, "the ITS wrote DeviceID 8's entry into the guest's level-2 page");
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("allocated 8192 Devices") && l.contains("indirect")),
                String.join("\n", k.bootLog()));
    }

    @Test
    void aDeviceIdInAnotherLevel2PageGetsThatPageWhenItIsMapped() {
        LinuxKernel k = boot("virt-devid-offset.dts", "testdev,addr=01.0,msi=1,msix=2");
        long l1 = reg(0x100) & 0x0000_FFFF_FFFF_0000L;
        PhysicalMemory mem = rig.machine.memory();
        assertEquals(0, mem.load64(l1), "nothing below DeviceID 8192");
        long l2 = mem.load64(l1 + 8);
        assertTrue(l2 < 0, "DeviceID 0x2008 is in level-2 page 1: " + k.bootLog());
        long dte = mem.load64((l2 & 0x000F_FFFF_FFFF_F000L) + 8 * (0x2008 - 8192));
        assertEquals(1, dte & 1);
        long before = of(k, MSIX_DEV).get(1).count();
        rig.raise(MSIX_DEV, 1);
        assertEquals(before + 1, of(k, MSIX_DEV).get(1).count(), "the ITS finds the device through both levels");
    }

    @Test
    void lpisAreExactlyTheVectorsFirstFitWithoutChunkAlignment() {
        LinuxKernel k = boot("virt", "testdev,addr=01.0,msi=1,msix=3", "testdev,addr=02.0,msi=4,msix=0",
                "testdev,addr=03.0,msi=1,msix=8");
        // its_pci_msi_prepare rounds 3 MSI-X vectors up to 4; its_lpi_alloc takes exactly that.
        assertEquals(List.of(8192, 8193, 8194), of(k, MSIX_DEV).stream().map(GuestMsiVector::intid).toList());
        assertEquals(List.of(8196, 8197, 8198, 8199), of(k, MSI_DEV).stream().map(GuestMsiVector::intid).toList());
        assertEquals(8200, of(k, "0000:00:03.0").get(0).intid());
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("DeviceID 0x8,") && l.contains("ITT 4 entries")
                && l.contains("LPIs 8192..8195")), String.join("\n", k.bootLog()));
    }

    @Test
    void deviceIdZeroGetsThirtyTwoEventsAndLpis() {
        LinuxKernel k = boot("virt", "testdev,addr=00.0,msi=1,msix=0", "testdev,addr=01.0,msi=1,msix=0");
        assertEquals(8192, of(k, "0000:00:00.0").get(0).intid());
        assertEquals(8224, of(k, MSIX_DEV).get(0).intid(), "DeviceID 0 took 32 LPIs");
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("DeviceID 0x0,") && l.contains("ITT 32 entries")),
                String.join("\n", k.bootLog()));
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("DeviceID 0x8,") && l.contains("ITT 2 entries")),
                "one vector, two events (at least one EventID bit)");
    }

    @Test
    void eachVectorTargetsTheLeastLoadedCpuAndIsTakenThere() {
        LinuxKernel k = bootVirt();
        List<GuestMsiVector> all = new ArrayList<>(of(k, MSIX_DEV));
        all.addAll(of(k, MSI_DEV));
        for (int i = 0; i < all.size(); i++) {
            GuestMsiVector v = all.get(i);
            rig.raise(v.bdf(), v.vector());
            GuestIrqCount c = k.interruptCounts().stream().filter(x -> x.intid() == v.intid()).findFirst().orElseThrow();
            // Activation order: the two CPUs take turns, CPU 0 first on a tie.
            List<Long> expected = i % 2 == 0 ? List.of(1L, 0L) : List.of(0L, 1L);
            assertEquals(expected, c.perCpu(), "vector " + i + " (" + v + ")");
        }
    }

    @Test
    void commandsAreThoseOfLinuxInItsOrderWithASyncBehindEachThatNamesACollection() {
        bootVirt();
        List<long[]> cmds = commands();
        List<Integer> expected = new ArrayList<>();
        for (int cpu = 0; cpu < 2; cpu++) {
            expected.addAll(List.of(MAPC, SYNC, INVALL, SYNC)); // its_cpu_init_collection
        }
        for (int n : new int[] {8, 4}) {
            expected.add(MAPD); // its_create_device: no SYNC
            for (int i = 0; i < n; i++) {
                expected.addAll(List.of(MAPTI, SYNC, INV, SYNC)); // activate, then unmask
            }
        }
        assertEquals(expected, opcodes(cmds));
        // MAPC ICID 1 -> processor number 1 (PTA = 0), and the SYNC behind it names the same RDbase.
        long[] mapc1 = cmds.get(4);
        assertEquals(1, mapc1[2] & 0xffff);
        assertEquals(1L << 16, mapc1[2] & 0x000F_FFFF_FFFF_0000L);
        assertEquals(1L << 16, cmds.get(5)[2]);
        // Device 0x8's event 1 goes to collection 1, and its SYNCs to CPU 1's redistributor.
        int firstMapti = 9;
        long[] mapti1 = cmds.get(firstMapti + 4);
        assertEquals(0x8L << 32 | MAPTI, mapti1[0]);
        assertEquals(1, mapti1[1] & 0xffff_ffffL, "EventID 1");
        assertEquals(8193, mapti1[1] >>> 32);
        assertEquals(1, mapti1[2] & 0xffff, "ICID 1");
        assertEquals(1L << 16, cmds.get(firstMapti + 5)[2]);
        assertEquals(1L << 16, cmds.get(firstMapti + 7)[2]);
        assertEquals(0, cmds.get(firstMapti + 1)[2], "event 0's SYNC goes to CPU 0");
    }

    @Test
    void aReprobeMasksDiscardsAndUnmapsThenReusesTheSameLpis() {
        LinuxKernel k = bootVirt();
        List<Integer> before = k.msiVectors().stream().map(GuestMsiVector::intid).toList();
        long oldQueue = reg(0x80) & 0x000F_FFFF_FFFF_F000L;
        int count = commands().size();
        k.reprobeMsi();
        // The teardown went to the old queue, behind the boot's commands (the re-probe then set up a new one).
        PhysicalMemory mem = rig.machine.memory();
        List<long[]> teardown = new ArrayList<>();
        for (long at = oldQueue + 32L * count; mem.load64(at) != 0; at += 32) {
            teardown.add(new long[] {mem.load64(at), mem.load64(at + 8), mem.load64(at + 16)});
        }
        List<Integer> expected = new ArrayList<>();
        for (int n : new int[] {8, 4}) {
            for (int i = 0; i < n; i++) {
                expected.addAll(List.of(INV, SYNC, DISCARD, SYNC)); // its_mask_irq, its_irq_domain_deactivate
            }
            expected.add(MAPD); // its_free_device
        }
        assertEquals(expected, opcodes(teardown));
        assertEquals(0, teardown.get(8 * 4)[2], "MAPD with V = 0");
        assertEquals(before, k.msiVectors().stream().map(GuestMsiVector::intid).toList(),
                "free_lpi_range merged the ranges back: the same first fit");
    }
}
