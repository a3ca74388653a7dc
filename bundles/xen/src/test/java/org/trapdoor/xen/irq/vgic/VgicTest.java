package org.trapdoor.xen.irq.vgic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.testkit.ArrayRam;

/** The virtual GICv3 as a guest sees it: trapped registers, and its CPU interface's list registers. */
class VgicTest {
    static final long RAM = 0x4000_0000L;
    static final long PROP = RAM + 0x10000;

    ArrayRam ram;
    Vgic vgic;
    VirtualCpuInterface cpu;
    Vgicv3Distributor gicd;
    Vgicv3Redistributors gicr;
    final List<String> hw = new ArrayList<>();

    /** RAM by IPA: the identity, as for a direct-mapped domain. */
    static GuestMemory identity(ArrayRam ram) {
        return new GuestMemory() {
            @Override
            public boolean isRam(long ipa, long length) {
                return ram.isRam(ipa, length);
            }

            @Override
            public long load(long ipa, int size) {
                return ram.load(ipa, size);
            }

            @Override
            public void store(long ipa, int size, long value) {
                ram.store(ipa, size, value);
            }
        };
    }

    @BeforeEach
    void setUp() {
        ram = new ArrayRam(RAM, 0x40000);
        HwIrqs recorder = new HwIrqs() {
            @Override
            public void deactivate(int pcpu, int pintid) {
                hw.add("deactivate " + pcpu + " " + pintid);
            }

            @Override
            public void enable(int pintid, boolean enabled) {
                hw.add((enabled ? "enable " : "disable ") + pintid);
            }
        };
        vgic = new Vgic("d0", 2, 64, 16, true, identity(ram), recorder);
        cpu = new VirtualCpuInterface(vgic);
        gicd = new Vgicv3Distributor(vgic);
        gicr = new Vgicv3Redistributors(vgic);
    }

    static long read(MmioHandler h, long offset, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(offset, size);
        tx.offset = offset;
        h.access(tx);
        assertEquals(MemResult.OK, tx.result, "read 0x" + Long.toHexString(offset));
        return tx.data;
    }

    static MemResult write(MmioHandler h, long offset, int size, long value) {
        MemoryTransaction tx = new MemoryTransaction().write(offset, size, value);
        tx.offset = offset;
        h.access(tx);
        return tx.result;
    }

    /** What Linux's gic_dist_init and enableEdgeSpi do for one SPI. */
    void enableSpi(int intid, int priority) {
        write(gicd, 0x0, 4, 0x13);
        write(gicd, 0x400 + intid, 1, priority);
        write(gicd, 0x100 + (intid / 32) * 4, 4, 1L << (intid % 32));
    }

    @Test
    void distributorIdentifiesAsXensVgicv3() {
        long typer = read(gicd, 0x4, 4);
        assertEquals(2, typer & 0x1f, "ITLinesNumber: 32 * (2 + 1) lines");
        assertEquals(1, (typer >>> 5) & 7, "CPUNumber: two vCPUs");
        assertTrue((typer & (1 << 17)) != 0, "LPIS with an ITS");
        assertEquals(16, ((typer >>> 19) & 0x1f) + 1);
        assertEquals(0x34c, read(gicd, 0x8, 4));
        assertEquals(3, (read(gicd, 0xFFE8, 4) >>> 4) & 0xf);
        assertEquals(0x10, read(gicd, 0x0, 4), "ARE_NS always on, groups off at reset");
        write(gicd, 0x0, 4, 0x13);
        assertEquals(0x12, read(gicd, 0x0, 4), "only EnableGrp1A sticks");
        write(gicd, 0x80 + 4, 4, -1);
        assertEquals(0, read(gicd, 0x80 + 4, 4), "IGROUPR is RAZ/WI");
    }

    @Test
    void redistributorsDescribeEachVcpuAndTheLastFrame() {
        long t0 = read(gicr, 0x8, 8);
        long t1 = read(gicr, Vgicv3Redistributors.STRIDE + 0x8, 8);
        assertEquals(0, (t0 >>> 8) & 0xffff);
        assertEquals(1, (t1 >>> 8) & 0xffff);
        assertEquals(0, t0 & (1 << 4), "frame 0 is not the last");
        assertEquals(1 << 4, t1 & (1 << 4), "frame 1 is");
        assertEquals(1, t0 & 1, "PLPIS");
        assertEquals(1L << 32, t1 & 0xffff_ffff_0000_0000L, "vCPU 1's affinity");
        assertEquals(0, read(gicr, 0x14, 4), "WAKER: awake, RAZ/WI");
        assertEquals(0x34c, read(gicr, 0x4, 4));
    }

    @Test
    void badWidthsAreDataAborts() {
        assertEquals(MemResult.ABORT, write(gicd, 0x100 + 4, 1, 1), "byte write to ISENABLER");
        assertEquals(MemResult.ABORT, write(gicd, 0x0, 8, 0), "64-bit CTLR");
        assertEquals(MemResult.OK, write(gicd, 0x400 + 40, 1, 0x80), "byte write to IPRIORITYR");
        assertEquals(MemResult.ABORT, write(gicd, 0x300 + 4, 4, 1), "ISACTIVER writes are not emulated");
        assertEquals(MemResult.ABORT, write(gicr, 0x0, 2, 1), "16-bit GICR_CTLR");
        assertEquals(MemResult.ABORT, write(gicr, 2 * Vgicv3Redistributors.STRIDE, 4, 0), "beyond the last frame");
        assertEquals(2, gicd.badWidthAccesses());
        assertEquals(1, gicd.unhandledWrites());
        assertEquals(2, gicr.badWidthAccesses());
    }

    @Test
    void irouterMovesAnSpiAndRefusesRoutesToNobody() {
        long irouter = 0x6000 + 8 * 40;
        write(gicd, irouter, 8, 1);
        assertEquals(1, read(gicd, irouter, 8));
        write(gicd, irouter, 8, 7);
        assertEquals(1, read(gicd, irouter, 8), "no vCPU 7: ignored");
        write(gicd, irouter, 8, 1L << 31);
        assertEquals(1, read(gicd, irouter, 8), "1-of-N: ignored");
        enableSpi(40, 0xa0);
        assertNull(cpu.raiseSpi(40));
        assertTrue(cpu.isPending(40, 1));
        assertFalse(cpu.isPending(40, 0));
        assertEquals(InterruptController.SPURIOUS, cpu.acknowledge(0));
        assertEquals(40, cpu.acknowledge(1));
    }

    @Test
    void injectedSpiIsAcknowledgedAndEndedThroughTheListRegisters() {
        enableSpi(40, 0xa0);
        List<Integer> taken = new ArrayList<>();
        cpu.connect((vcpu, intid) -> {
            for (int id = cpu.acknowledge(vcpu); id != InterruptController.SPURIOUS; id = cpu.acknowledge(vcpu)) {
                taken.add(id);
                cpu.endOfInterrupt(vcpu, id);
            }
        });
        assertNull(vgic.inject(0, 40));
        assertEquals(List.of(40), taken);
        assertEquals(1, vgic.counters().delivered());
        assertEquals(1, cpu.acknowledged(0));
        assertFalse(cpu.isPending(40, 0));
    }

    @Test
    void aDisabledInterruptIsHeldPendingAndTakenOnceEnabled() {
        write(gicd, 0x0, 4, 0x2);
        List<Integer> taken = new ArrayList<>();
        cpu.connect((vcpu, intid) -> {
            int id = cpu.acknowledge(vcpu);
            if (id != InterruptController.SPURIOUS) {
                taken.add(id);
                cpu.endOfInterrupt(vcpu, id);
            }
        });
        assertEquals(DropReason.INTERRUPT_DISABLED, vgic.inject(0, 41));
        assertEquals(DropReason.COALESCED, vgic.inject(0, 41), "still pending: merges");
        assertTrue(taken.isEmpty());
        write(gicd, 0x104, 4, 1L << 9);
        assertEquals(List.of(41), taken, "enabling signals the held interrupt");
    }

    @Test
    void moreInterruptsThanListRegistersAreTakenByPriority() {
        write(gicd, 0x0, 4, 0x2);
        for (int i = 0; i < 8; i++) {
            write(gicd, 0x400 + 32 + i, 1, 0x80 + 8 * (7 - i)); // SPI 39 highest
        }
        write(gicd, 0x104, 4, 0xff);
        for (int i = 0; i < 8; i++) {
            assertNull(vgic.inject(0, 32 + i));
        }
        List<Integer> order = new ArrayList<>();
        for (int id = cpu.acknowledge(0); id != InterruptController.SPURIOUS; id = cpu.acknowledge(0)) {
            order.add(id);
            cpu.endOfInterrupt(0, id);
        }
        assertEquals(List.of(39, 38, 37, 36, 35, 34, 33, 32), order);
        assertEquals(0, cpu.strayEois(0));
    }

    @Test
    void runningPriorityBlocksEqualAndLowerUntilEoi() {
        write(gicd, 0x0, 4, 0x2);
        write(gicd, 0x400 + 32, 4, 0xa0a0_a0a0L);
        write(gicd, 0x104, 4, 0x3);
        vgic.inject(0, 32);
        vgic.inject(0, 33);
        assertEquals(32, cpu.acknowledge(0));
        assertEquals(InterruptController.SPURIOUS, cpu.acknowledge(0), "33 has the same priority: waits");
        cpu.endOfInterrupt(0, 32);
        assertEquals(33, cpu.acknowledge(0));
        cpu.endOfInterrupt(0, 33);
        cpu.endOfInterrupt(0, 33);
        assertEquals(1, cpu.strayEois(0), "EOI of an inactive INTID is ignored and counted");
    }

    @Test
    void aHardwareSpiIsEnabledWithTheVirtualOneAndDeactivatedByTheGuestsEoi() {
        vgic.mapHardware(50, 50, 0);
        enableSpi(50, 0xa0);
        assertEquals(List.of("enable 50"), hw);
        assertNull(vgic.inject(0, 50));
        assertEquals(50, cpu.acknowledge(0));
        assertEquals(1, hw.size(), "nothing deactivated before the guest's EOI");
        cpu.endOfInterrupt(0, 50);
        assertEquals("deactivate 0 50", hw.get(1));
        write(gicd, 0x180 + 4, 4, 1L << 18);
        assertEquals("disable 50", hw.get(2));
        assertThrows(IllegalArgumentException.class, () -> vgic.mapHardware(50, 60, 0), "routed already");
        assertThrows(IllegalArgumentException.class, () -> vgic.mapHardware(200, 60, 0), "no such SPI");
    }

    @Test
    void lpisFollowTheGuestsPropertyTableOnlyAfterAnInvalidate() {
        write(gicr, 0x70, 8, PROP | 13); // 14 ID bits: LPIs 8192..16383
        write(gicr, 0x0, 4, 1);
        assertEquals(1, read(gicr, 0x0, 4));
        write(gicr, 0x70, 8, PROP + 0x1000 | 13);
        assertEquals(PROP | 13, read(gicr, 0x70, 8), "PROPBASER is fixed once LPIs are on");
        write(gicr, 0x0, 4, 0);
        assertEquals(1, read(gicr, 0x0, 4), "EnableLPIs cannot be cleared");
        int lpi = 8192 + 5;
        ram.store(PROP + 5, 1, 0xa0 | 2 | 1);
        assertEquals(DropReason.INTERRUPT_DISABLED, vgic.inject(0, lpi), "cached byte still disabled");
        assertTrue(vgic.updateLpiProperty(lpi));
        assertEquals(lpi, cpu.acknowledge(0));
        cpu.endOfInterrupt(0, lpi);
        assertEquals(DropReason.LPI_OUT_OF_RANGE, vgic.inject(0, 16384), "beyond the table");
        assertEquals(DropReason.LPI_DISABLED, vgic.inject(1, lpi), "vCPU 1 has not enabled LPIs");
    }

    @Test
    void aDyingDomainTakesNoMoreInterrupts() {
        enableSpi(40, 0xa0);
        vgic.destroy();
        assertEquals(DropReason.DOMAIN_DYING, vgic.inject(0, 40));
        assertEquals(1, vgic.counters().dropped(DropReason.DOMAIN_DYING));
    }
}
