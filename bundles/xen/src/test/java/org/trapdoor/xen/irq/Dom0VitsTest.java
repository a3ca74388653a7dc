package org.trapdoor.xen.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.xen.irq.host.HostIts;
import org.trapdoor.xen.irq.host.HostLpis;
import org.trapdoor.xen.irq.its.VirtualIts;
import org.trapdoor.xen.irq.vgic.Vgic;

/**
 * Dom0's MSIs through its virtual ITS on the real GICv3/ITS models: the commands Dom0 writes in
 * its own queue become host ITS mappings in Xen's tables; each MSI a device sends is translated by
 * the host ITS to a host LPI, taken by Xen, and injected as Dom0's virtual LPI, which Dom0
 * acknowledges and ends. Counts are held against what the devices sent and what Dom0 handled.
 */
class Dom0VitsTest {
    static final int DEV = 0x10;
    static final int VLPI = 8192 + 64;

    HostRig rig;
    long sent;
    /** Interrupts Dom0 handled that no MSI delivered at that moment: INT commands, held ones taken later. */
    long notDelivered;

    @BeforeEach
    void setUp() {
        rig = new HostRig();
        rig.bootDom0Its();
    }

    /** Every MSI sent is in the machine's ledger once; every physical LPI Xen took is in Xen's once. */
    @AfterEach
    void ledgersBalance() {
        InterruptCounters m = rig.msiLedger;
        InterruptCounters x = rig.router.ledger();
        assertEquals(sent, m.fired(), "each MSI the devices sent, counted once by the machine");
        assertEquals(m.delivered(), x.fired(), "each LPI the host GIC delivered was taken by Xen, once");
        assertEquals(x.fired(), x.delivered() + x.dropped());
        assertEquals(x.delivered() + notDelivered, rig.handled.total(), "each injection Dom0 handled, and nothing else");
    }

    MemResult msi(int devid, int event) {
        sent++;
        return rig.msi(devid, event);
    }

    /** Dom0's driver for one device: MAPD with 2^bits events, MAPTI + INV per vector (its_irq_domain_activate). */
    void mapDevice(int devid, int bits, int vectors, int firstVlpi) {
        rig.mapd(devid, bits, HostRig.DOM0_ITT + devid * 0x1000L);
        for (int e = 0; e < vectors; e++) {
            rig.enableVlpi(firstVlpi + e);
            rig.mapti(devid, e, firstVlpi + e, e % 2);
            rig.inv(devid, e);
        }
    }

    @Test
    void vitsIdentifiesAsXens() {
        assertEquals(VirtualIts.IIDR, rig.vits(0x4, 4));
        long typer = rig.vits(0x8, 8);
        assertEquals(1, typer & 1, "physical LPIs");
        assertEquals(8, ((typer >>> 4) & 0xf) + 1, "8-byte ITT entries");
        assertEquals(rig.hostIts.eventBits(), ((typer >>> 8) & 0x1f) + 1, "the host's EventID bits");
        assertEquals(rig.hostIts.deviceBits(), ((typer >>> 13) & 0x1f) + 1, "the host's DeviceID bits");
        assertEquals(0, typer & (1L << 19), "PTA 0: collections name vCPUs");
        assertEquals(1 | 1L << 31, rig.vits(0x0, 4), "enabled and quiescent");
        assertEquals(0, rig.vits(0x100, 8) & (1L << 62), "no indirect Device table");
        assertEquals(3, (rig.vits(0xFFE8, 4) >>> 4) & 0xf);
    }

    @Test
    void dom0MsisReachItsHandlerExactlyPerVector() {
        mapDevice(DEV, 2, 3, VLPI);
        int[] perVector = {5, 1, 12};
        for (int v = 0; v < perVector.length; v++) {
            for (int i = 0; i < perVector[v]; i++) {
                assertEquals(MemResult.OK, msi(DEV, v));
            }
        }
        for (int v = 0; v < perVector.length; v++) {
            assertEquals(perVector[v], rig.handled.get(VLPI + v), "vector " + v);
        }
        assertEquals(18, rig.router.ledger().delivered());
        assertEquals(0, rig.vits.commandErrors());
    }

    @Test
    void mapdMapsTheSameDeviceIdOnTheHostWithPowerOfTwoEventsAtLeast32() {
        rig.mapd(DEV, 2, HostRig.DOM0_ITT);
        rig.mapd(DEV + 1, 6, HostRig.DOM0_ITT + 0x1000);
        HostIts.Device small = rig.hostIts.device(DEV);
        HostIts.Device large = rig.hostIts.device(DEV + 1);
        assertNotNull(small, "Dom0's DeviceID is the host DeviceID");
        assertEquals(32, small.events(), "4 events rounded up to an LPI block");
        assertEquals(64, large.events(), "64 events stay 64");
        assertEquals(3, rig.lpis.blocksInUse());
        assertEquals(HostLpis.NO_VIRQ, HostLpis.vlpi(rig.lpis.routeOf(small.hostLpi(0))),
                "host LPIs belong to Dom0 but carry no virtual LPI before MAPTI");
    }

    @Test
    void anEventWithoutMaptiIsTakenByXenAndDroppedAsUnmapped() {
        mapDevice(DEV, 2, 1, VLPI);
        msi(DEV, 3); // within the host's 32 events, never MAPTI'd by Dom0
        assertEquals(1, rig.router.ledger().dropped(DropReason.NO_GUEST_MAPPING));
        assertEquals(0, rig.handled.total());
    }

    @Test
    void aDeviceIdDom0NeverMappedIsDroppedByTheHostIts() {
        mapDevice(DEV, 2, 1, VLPI);
        msi(0x77, 0);
        assertEquals(1, rig.msiLedger.dropped(DropReason.UNMAPPED_DEVICE_ID));
        assertEquals(0, rig.router.ledger().fired(), "Xen never saw it");
    }

    @Test
    void discardUnroutesTheEventAndInvAppliesThePropertyTable() {
        mapDevice(DEV, 2, 2, VLPI);
        msi(DEV, 0);
        assertEquals(1, rig.handled.get(VLPI));
        rig.ram.store(HostRig.DOM0_PROP + VLPI + 1 - 8192, 1, 0xa0 | 2); // disable vector 1 ...
        msi(DEV, 1);
        assertEquals(1, rig.handled.get(VLPI + 1), "... no effect before INV (the cached byte)");
        rig.inv(DEV, 1);
        msi(DEV, 1);
        assertEquals(1, rig.handled.get(VLPI + 1), "held pending once INV read the disabled byte");
        assertEquals(1, rig.router.ledger().dropped(DropReason.INTERRUPT_DISABLED));
        rig.command(0x0F | (long) DEV << 32, 0, 0, 0); // DISCARD event 0
        msi(DEV, 0);
        assertEquals(1, rig.handled.get(VLPI), "a discarded event reaches nobody");
        assertEquals(1, rig.router.ledger().dropped(DropReason.NO_GUEST_MAPPING));
        assertEquals(0, rig.vits.commandErrors());
        // Re-enabling vector 1 after the drop: the held LPI is taken (not a new delivery).
        rig.enableVlpi(VLPI + 1);
        rig.inv(DEV, 1);
        assertEquals(2, rig.handled.get(VLPI + 1));
        notDelivered = 1; // the held one was counted as INTERRUPT_DISABLED when it came
    }

    @Test
    void intAndClearActOnTheVirtualLpi() {
        mapDevice(DEV, 2, 1, VLPI);
        rig.command(0x03 | (long) DEV << 32, 0, 0, 0); // INT
        assertEquals(1, rig.handled.get(VLPI), "INT injects without any MSI");
        notDelivered = 1;
        rig.enableVlpi(VLPI);
        rig.ram.store(HostRig.DOM0_PROP + VLPI - 8192, 1, 0xa0 | 2); // disabled: the next one is held
        rig.inv(DEV, 0);
        msi(DEV, 0);
        assertEquals(1, rig.dom0Cpu.isPending(VLPI, 0) ? 1 : 0);
        rig.command(0x04 | (long) DEV << 32, 0, 0, 0); // CLEAR
        assertEquals(0, rig.dom0Cpu.isPending(VLPI, 0) ? 1 : 0, "CLEAR removed the held LPI");
        rig.enableVlpi(VLPI);
        rig.inv(DEV, 0);
        assertEquals(1, rig.handled.get(VLPI), "nothing left to take");
        assertEquals(0, rig.vits.commandErrors());
    }

    @Test
    void garbageCommandsAreSkippedAndCountedAsXenDoes() {
        mapDevice(DEV, 2, 1, VLPI);
        long processed = rig.vits.commandsProcessed();
        rig.command(0x42, 0, 0, 0); // no such opcode
        assertEquals(1, rig.vits.unknownCommands());
        rig.mapti(DEV, 0, VLPI + 9, 0); // event 0 is mapped already: UNPREDICTABLE, ignored
        // Xen's collection table is the guest's zeroed memory: an ICID never MAPC'd reads as vCPU 0,
        // so only one beyond the table fails.
        rig.mapti(DEV, 1, VLPI + 9, 0xffff);
        rig.mapti(DEV, 1, 100, 0); // not an LPI
        rig.mapd(1 << rig.hostIts.deviceBits(), 2, HostRig.DOM0_ITT); // DeviceID beyond the table
        rig.mapd(DEV + 2, 20, HostRig.DOM0_ITT); // more EventID bits than the ITS has
        rig.command(0x03 | (long) 0x55 << 32, 0, 0, 0); // INT for a DeviceID Dom0 never mapped
        assertEquals(6, rig.vits.commandErrors());
        assertEquals(processed + 7, rig.vits.commandsProcessed(), "each consumed: CREADR moved on");
        assertEquals(rig.cwriter, rig.vits(0x90, 8), "queue drained");
        msi(DEV, 0);
        assertEquals(1, rig.handled.get(VLPI), "the good mapping still works");
        assertEquals(null, rig.hostIts.device(DEV + 2));
    }

    @Test
    void queueErrorsStopOrRefuseAsArchitected() {
        assertEquals(MemResult.OK, rig.vits(0x88, 8, 0x20000)); // CWRITER beyond the 64 KiB queue
        assertEquals(1, rig.vits.overruns());
        // Disable, point the queue outside RAM, enable, write a command: processing stalls.
        rig.vits(0x0, 4, 0);
        rig.vits(0x80, 8, 1L << 63 | 0x7000_0000L);
        rig.vits(0x0, 4, 1);
        rig.vits(0x88, 8, 0x20);
        assertEquals(1, rig.vits.stalls());
        assertEquals(0, rig.vits(0x90, 8), "CREADR did not move");
        assertEquals(1, rig.vits(0x0, 4), "not quiescent while a command is stuck");
        // BASER and CBASER are read-only while enabled; enabling without tables is refused.
        long baser = rig.vits(0x100, 8);
        rig.vits(0x100, 8, 0);
        assertEquals(baser, rig.vits(0x100, 8));
        assertEquals(MemResult.ABORT, rig.vits(0x0, 2, 0), "16-bit access: data abort");
        assertEquals(1, rig.vits.badWidthAccesses());
    }

    @Test
    void aDeviceIdDom0DoesNotOwnIsNotMapped() {
        rig.vits.foreignDevices(id -> id == 0x20); // assigned to a DomU
        rig.mapd(0x20, 2, HostRig.DOM0_ITT);
        rig.mapti(0x20, 0, VLPI, 0);
        assertEquals(1, rig.vits.foreignMapds());
        assertEquals(2, rig.vits.commandErrors(), "MAPD refused, so the MAPTI after it fails too");
        assertNull(rig.hostIts.device(0x20), "no host mapping: Dom0 cannot take the DomU's MSIs");
        msi(0x20, 0);
        assertEquals(1, rig.msiLedger.dropped(DropReason.UNMAPPED_DEVICE_ID));
        assertEquals(0, rig.handled.total());
    }

    @Test
    void enablingWithoutTablesIsRefused() {
        HostRig fresh = new HostRig();
        fresh.vits(0x0, 4, 1);
        assertEquals(0, fresh.vits(0x0, 4) & 1);
    }

    @Test
    void aDomusDeviceGetsNoMsis() {
        mapDevice(DEV, 2, 1, VLPI);
        Vgic domU = new Vgic("d1", 1, 32, 10, false, rig.identity(), rig.router);
        rig.router.addDomain(2, domU, false);
        XenInterrupts.reroute(java.util.List.of(rig.hostIts), rig.lpis, DEV, 2);
        msi(DEV, 0);
        assertEquals(1, rig.router.ledger().dropped(DropReason.DOMU_NO_MSI));
        assertEquals(0, rig.handled.total());
        XenInterrupts.reroute(java.util.List.of(rig.hostIts), rig.lpis, DEV, 0); // back to quarantine
        msi(DEV, 0);
        assertEquals(1, rig.router.ledger().dropped(DropReason.NO_GUEST_MAPPING));
    }

    @Test
    void aDestroyedDomainsInterruptsAreDroppedAndItsHostMappingsFreed() {
        mapDevice(DEV, 2, 1, VLPI);
        int blocks = rig.lpis.blocksInUse();
        rig.dom0.destroy();
        msi(DEV, 0);
        assertEquals(1, rig.router.ledger().dropped(DropReason.DOMAIN_DYING));
        rig.vits.destroy();
        assertNull(rig.hostIts.device(DEV));
        assertEquals(blocks - 1, rig.lpis.blocksInUse());
        msi(DEV, 0);
        assertEquals(1, rig.msiLedger.dropped(DropReason.UNMAPPED_DEVICE_ID), "the host ITS no longer maps it");
        assertTrue(rig.router.ledger().fired() >= 1);
    }
}
