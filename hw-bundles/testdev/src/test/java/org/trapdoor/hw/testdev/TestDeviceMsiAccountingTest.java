package org.trapdoor.hw.testdev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiAccounting;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.PciUpstream;

/** The device's share of MSI accounting: it marks its messages, and records the raises it refuses. */
class TestDeviceMsiAccountingTest {
    /** A machine port: offers the ledger, and records what it is sent (the doorbell's job, here). */
    static final class Port implements PciUpstream, MsiAccounting {
        final InterruptCounters ledger = new InterruptCounters();
        final List<Boolean> marks = new ArrayList<>();

        @Override
        public int requesterId() {
            return 0x0108;
        }

        @Override
        public void send(MemoryTransaction tx) {
            marks.add(tx.msi);
            if (tx.msi) {
                tx.msi = false;
                ledger.recordDelivered();
            }
        }

        @Override
        public InterruptCounters msiLedger() {
            return ledger;
        }
    }

    @Test
    void msiWritesAreMarkedAndDmaWritesAreNot() {
        TestDevice dev = new TestDevice(4, 0);
        Port port = new Port();
        dev.connect(port);
        dev.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MASTER);
        dev.configWrite(TestDevice.MSI_CAP + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE | (2 << 4));
        assertEquals(MsiOutcome.SENT, dev.raise(1));
        dev.dma(TestDevice.Direction.TO_BUS, 0, 0x4000_0000L, 4);
        assertEquals(List.of(true, false), port.marks);
        assertEquals(1, port.ledger.delivered());
        assertSame(port.ledger, dev.msiLedger());
    }

    @Test
    void refusedRaisesAreRecordedWithTheirReason() {
        TestDevice dev = new TestDevice(4, 8);
        Port port = new Port();
        dev.connect(port);
        assertEquals(MsiOutcome.DISABLED, dev.raise(0));
        dev.configWrite(TestDevice.MSI_CAP + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE | (2 << 4));
        assertEquals(MsiOutcome.NO_BUS_MASTER, dev.raise(0));
        assertEquals(2, port.ledger.dropped(DropReason.DISABLED));
        dev.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MASTER);
        assertEquals(MsiOutcome.BAD_VECTOR, dev.raise(4));
        assertEquals(1, port.ledger.dropped(DropReason.NO_SUCH_VECTOR));
        dev.configWrite(TestDevice.MSI_CAP + PciConfig.MSI_MASK_64, 4, 0x2);
        assertEquals(MsiOutcome.PENDING, dev.raise(1));
        assertEquals(1, port.ledger.dropped(DropReason.MASKED));
        assertTrue(port.marks.isEmpty(), "nothing was sent so far");
        dev.configWrite(TestDevice.MSI_CAP + PciConfig.MSI_MASK_64, 4, 0);
        assertEquals(List.of(true), port.marks, "the pending vector goes out on unmask, as an MSI");
        assertEquals(5, port.ledger.fired(), "four refusals and the send on unmask");
    }

    @Test
    void theDeviceIsAnMsiSourceWithItsEnabledVectors() {
        TestDevice dev = new TestDevice(4, 8);
        dev.connect(new Port());
        assertEquals(0x0108, dev.requesterId());
        assertEquals("testdev 01:01.0", dev.name());
        assertEquals(0, dev.vectors());
        dev.configWrite(TestDevice.MSI_CAP + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE | (1 << 4));
        assertEquals(2, dev.vectors());
        dev.configWrite(TestDevice.MSIX_CAP + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE);
        assertEquals(8, dev.vectors(), "MSI-X wins when enabled");
    }
}
