package org.trapdoor.core.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.core.Presets;
import org.trapdoor.core.fuzz.ModelCatalogAccess;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.testkit.Fuzz;

/**
 * The guest-memory structures the ITS walks, fuzzed under MSI traffic: starting from a working
 * set-up (GICv3 LPIs, flat Device and Collection tables, a command queue, device 8's events 0..3
 * mapped, MSI-X vectors 0..7 to the ITS), a case interleaves raises with random ITS commands
 * (biased to valid opcodes and small IDs), random stores into the Device, Collection and ITT
 * tables, ITS and redistributor register writes, and MSI-X entry and enable changes.
 *
 * <p>Invariants, from counts kept apart from the ledger: each raise is in the ledger exactly once
 * by the time it returns, and the device's own counters agree with the ledger's device-side
 * outcomes (a pended raise is a MASKED drop, a refused one DISABLED or NO_SUCH_VECTOR); an
 * operation that is not a raise adds to the ledger exactly the messages the device sent for it
 * (a pending vector sent on unmask); nothing throws and nothing hangs.
 */
class ItsPathFuzzTest {
    private static final int DEVFN = 0x08;
    private static final long ITS = Guest.ITS;
    private static final int[] OPCODES = {0x08, 0x09, 0x0A, 0x0B, 0x01, 0x0F, 0x0C, 0x0D, 0x05, 0x04, 0x0E};

    @Test
    void randomCommandsAndTablesUnderTrafficKeepOneLedgerEntryPerMessage() {
        Fuzz.property("its-path", getClass()).seconds(4).run(r -> {
            try (ComposedMachine m = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt"))) {
                ModelCatalogAccess.addEverything(m);
                m.attach("testdev,addr=01.0,msi=4,msix=8");
                TestDevice dev = (TestDevice) m.msiSources().get(0);
                Guest g = new Guest(m);
                m.attachSink(null, g);
                g.gicv3(256);
                g.its();
                g.mapDevice(DEVFN, 0, 0, 1, 2, 3);
                g.enableDevice(DEVFN);
                for (int v = 0; v < 8; v++) {
                    g.msixEntry(v, Guest.ITS_DOORBELL, v, false);
                }
                g.enableMsix(DEVFN);
                InterruptCounters ledger = m.msiLedger();
                for (int op = 0; op < 150; op++) {
                    step(r, m, g, dev, ledger, op);
                }
            }
        });
    }

    private static void step(SplittableRandom r, ComposedMachine m, Guest g, TestDevice dev, InterruptCounters ledger,
            int op) {
        long fired = ledger.fired();
        long sent = dev.messagesSent();
        long raises = dev.raises();
        long pended = dev.raisesPended();
        long refused = dev.raisesRefused();
        long masked = ledger.dropped(DropReason.MASKED);
        long deviceRefusals = ledger.dropped(DropReason.DISABLED) + ledger.dropped(DropReason.NO_SUCH_VECTOR);
        long failures = upstreamFailures(ledger);
        int kind = r.nextInt(20);
        String what;
        if (kind < 8) {
            int vector = r.nextInt(10);
            MsiOutcome o = dev.raise(vector);
            what = "raise " + vector + " -> " + o;
            assertEquals(fired + 1, ledger.fired(), op + ": " + what + ": one ledger entry per raise");
            assertEquals(raises + 1, dev.raises(), what);
            assertEquals(pended + (o == MsiOutcome.PENDING ? 1 : 0), dev.raisesPended(), what);
            assertEquals(masked + (o == MsiOutcome.PENDING ? 1 : 0), ledger.dropped(DropReason.MASKED),
                    what + ": a pended raise is a MASKED drop");
            boolean deviceRefused = o == MsiOutcome.DISABLED || o == MsiOutcome.BAD_VECTOR
                    || o == MsiOutcome.NO_BUS_MASTER;
            assertEquals(deviceRefusals + (deviceRefused ? 1 : 0),
                    ledger.dropped(DropReason.DISABLED) + ledger.dropped(DropReason.NO_SUCH_VECTOR),
                    what + ": a refusal by the device is counted as one");
            assertEquals(refused + (o != MsiOutcome.SENT && o != MsiOutcome.PENDING ? 1 : 0), dev.raisesRefused(),
                    what);
            return;
        }
        if (kind < 11) {
            long dw0 = OPCODES[r.nextInt(OPCODES.length)] | (long) smallOrAny(r, 16) << 32;
            if (r.nextInt(10) == 0) {
                dw0 = r.nextLong();
            }
            long dw1 = smallOrAny(r, 48) | (long) (8192 + smallOrAny(r, 300)) << 32;
            long dw2 = (r.nextBoolean() ? 1L << 63 : 0) | (Guest.ITT + 0x100L * r.nextInt(16)) | r.nextInt(32);
            long dw3 = r.nextInt(4) == 0 ? r.nextLong() : (long) r.nextInt(2) << 16;
            g.command(dw0, dw1, dw2, dw3);
            what = String.format("command %016x %016x %016x %016x", dw0, dw1, dw2, dw3);
        } else if (kind < 13) {
            long[] tables = {Guest.DT, Guest.CT, Guest.ITT};
            long a = tables[r.nextInt(tables.length)] + 8L * r.nextInt(512);
            long v = r.nextLong();
            m.memory().store64(a, v);
            what = String.format("store 0x%x -> 0x%x", v, a);
        } else if (kind < 16) {
            int v = r.nextInt(8);
            g.msixEntry(v, r.nextInt(8) == 0 ? r.nextLong() & ~3L : Guest.ITS_DOORBELL, r.nextInt(6), r.nextBoolean());
            what = "MSI-X entry " + v;
        } else if (kind < 17) {
            int[] flags = {PciConfig.MSIX_FLAGS_ENABLE, 0, PciConfig.MSIX_FLAGS_ENABLE | 0x4000};
            int f = flags[r.nextInt(flags.length)];
            g.config(DEVFN, TestDevice.MSIX_CAP + 2, 2, f);
            what = "MSI-X flags 0x" + Integer.toHexString(f);
        } else if (kind < 19) {
            long[][] regs = {{ITS, 4}, {ITS + 0x80, 8}, {ITS + 0x88, 8}, {ITS + 0x100, 8}, {ITS + 0x108, 8}};
            long[] reg = regs[r.nextInt(regs.length)];
            long v = r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(2);
            m.system().write(reg[0], (int) reg[1], reg[1] == 4 ? v & 0xffff_ffffL : v);
            what = String.format("ITS register 0x%x <- 0x%x", reg[0], v);
        } else {
            long[] regs = {Guest.GICR0, Guest.GICR0 + 0x70, Guest.GICR0 + 0x78, Guest.GICD};
            long reg = regs[r.nextInt(regs.length)];
            long v = r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(4);
            m.system().write(reg, reg == Guest.GICD || reg == Guest.GICR0 ? 4 : 8,
                    reg == Guest.GICD || reg == Guest.GICR0 ? v & 0xffff_ffffL : v);
            what = String.format("GIC register 0x%x <- 0x%x", reg, v);
        }
        // Only the device's own message writes (a pending vector sent on unmask or enable) enter
        // the ledger: those that completed (MSG_SENT) and those refused upstream, which the device
        // does not count apart (it has no counter of failed sends) but the port records as such.
        long newSends = dev.messagesSent() - sent;
        long newFailures = upstreamFailures(ledger) - failures;
        long added = ledger.fired() - fired;
        assertTrue(added >= newSends && added <= newSends + newFailures, op + ": " + what + ": " + added
                + " ledger entries for " + newSends + " messages sent and " + newFailures + " refused upstream");
        assertEquals(raises, dev.raises(), what);
    }

    /** Drops of messages the upstream path refused (the device's write did not complete). */
    private static long upstreamFailures(InterruptCounters ledger) {
        long n = 0;
        for (DropReason d : new DropReason[] {DropReason.NO_DOORBELL, DropReason.TARGET_ABORT, DropReason.IOMMU_FAULT,
            DropReason.IOMMU_UNBOUND, DropReason.BRIDGE_UNBOUND, DropReason.NODE_UNBOUND}) {
            n += ledger.dropped(d);
        }
        return n;
    }

    private static int smallOrAny(SplittableRandom r, int small) {
        return r.nextInt(8) == 0 ? r.nextInt() : r.nextInt(small);
    }
}
