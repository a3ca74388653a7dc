package org.trapdoor.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.hw.testdev.TestDevice;

class RigsTest {
    private ComposedMachine machine;

    @BeforeEach
    void compose() {
        machine = Rigs.composed();
    }

    @AfterEach
    void close() {
        machine.close();
    }

    @Test
    void composedAndHandWiredDevicesShowTheSameConfigSpace() {
        Rigs.HandWired hand = new Rigs.HandWired();
        TestDevice composed = Rigs.device(machine);
        assertNotSame(composed, hand.device);
        for (int off = 0; off < 0x100; off += 4) {
            long viaEcam = machine.system().read(Rigs.CFG + off, 4);
            assertEquals(viaEcam, hand.bridge.configRead(0, Rigs.DEVFN, off, 4) & 0xffff_ffffL,
                    String.format("config dword 0x%02x", off));
        }
    }

    @Test
    void bar0IsAssignedAndDecodedThroughTheOutboundWindow() {
        TestDevice dev = Rigs.device(machine);
        assertEquals(Rigs.BAR0_ADDRESS, dev.bar0().address());
        assertEquals(MemResult.OK, machine.system().write(Rigs.BAR0_ADDRESS + TestDevice.REG_SCRATCH, 4, 0x5a5a));
        assertEquals(0x5a5a, dev.registers().read(TestDevice.REG_SCRATCH, 4));
    }

    @Test
    void setUpRefusesAnAccessThatDidNotComplete() {
        MemoryTransaction tx = new MemoryTransaction().read(0x1_0000_0000_0000L, 4);
        machine.system().access(tx);
        assertThrows(IllegalStateException.class, () -> Rigs.expect(tx, tx.data, "unmapped read", tx.data));
        MemoryTransaction ok = new MemoryTransaction().read(Rigs.CFG, 4);
        machine.system().access(ok);
        assertThrows(IllegalStateException.class, () -> Rigs.expect(ok, Rigs.ID + 1, "wrong value", ok.data));
    }

    @Test
    void everyBenchmarkReturnsTheValueOfItsRegister() {
        MmioDispatchBenchmark mmio = new MmioDispatchBenchmark();
        mmio.setUp();
        assertEquals(Rigs.SCRATCH_VALUE, mmio.composedBar0Read());
        assertEquals(Rigs.SCRATCH_VALUE, mmio.directBar0Read());
        assertEquals(Rigs.RAM_VALUE, mmio.composedRamRead());
        assertEquals(Rigs.RAM_VALUE, mmio.directRamRead());
        mmio.tearDown();

        EcamConfigReadBenchmark ecam = new EcamConfigReadBenchmark();
        ecam.setUp();
        assertEquals(Rigs.ID, ecam.composedVendorDevice());
        assertEquals(Rigs.ID, ecam.handWiredVendorDevice());
        assertEquals(Rigs.ID, ecam.addressSpaceOnlyVendorDevice());
        ecam.tearDown();

        SharedBridgeBenchmark shared = new SharedBridgeBenchmark();
        shared.setUp();
        SharedBridgeBenchmark.Cpu cpu = new SharedBridgeBenchmark.Cpu();
        assertEquals(Rigs.ID, shared.composedVendorDevice(cpu));
        assertEquals(Rigs.ID, shared.handWiredVendorDevice(cpu));
        shared.tearDown();

        TrappedConfigBenchmark trapped = new TrappedConfigBenchmark();
        trapped.setUp();
        long a = trapped.composedCommandWriteRead();
        long b = trapped.composedCommandWriteRead();
        assertEquals(PciConfig.COMMAND_INTX_DISABLE, a ^ b, "each write toggles INTx Disable");
        assertEquals(Rigs.COMMAND_ON, Math.min(a, b));
        long c = trapped.handWiredCommandWriteRead();
        long d = trapped.handWiredCommandWriteRead();
        assertEquals(PciConfig.COMMAND_INTX_DISABLE, c ^ d);
        assertEquals(Rigs.COMMAND_ON, Math.min(c, d));
        trapped.tearDown();
    }

    @Test
    void msiBenchmarkDeliversEveryRaiseToTheCpuInBothRigs() {
        MsiPathBenchmark msi = new MsiPathBenchmark();
        msi.setUp();
        long[] c0 = msi.composedTaken().clone();
        long[] h0 = msi.handWiredTaken().clone();
        for (int i = 0; i < 4 * MsiRig.VECTORS; i++) {
            assertEquals(org.trapdoor.api.pci.MsiOutcome.SENT, msi.composed());
            assertEquals(org.trapdoor.api.pci.MsiOutcome.SENT, msi.handWired());
        }
        for (int v = 0; v < MsiRig.VECTORS; v++) {
            assertEquals(c0[v] + 4, msi.composedTaken()[v], "composed: LPI " + (MsiRig.FIRST_LPI + v));
            assertEquals(h0[v] + 4, msi.handWiredTaken()[v], "hand-wired: LPI " + (MsiRig.FIRST_LPI + v));
        }
        msi.tearDown();
    }

    @Test
    void bothMsiRigsSendEveryRaiseThroughTheSmmuInItsResetBypass() {
        MsiRig.Composed composed = new MsiRig.Composed();
        MsiRig.HandWired hand = new MsiRig.HandWired();
        try {
            assertEquals(NodeState.BOUND, composed.machine.node(MsiRig.SMMU_PATH).state());
            assertEquals("disabled, GBPA bypass", hand.smmu.mode());
            // GBPA.ABORT (with UPDATE) on the SMMU of each rig: an SMMU in the path now aborts the MSI.
            long gbpa = (1L << 31) | (1L << 20);
            assertEquals(MemResult.OK, composed.machine.system().write(MsiRig.SMMU + 0x44, 4, gbpa));
            assertEquals(MemResult.OK, hand.setup.write(MsiRig.SMMU + 0x44, 4, gbpa));
            assertEquals(MsiOutcome.FAILED, composed.device.raise(0));
            assertEquals(MsiOutcome.FAILED, hand.device.raise(0));
            assertEquals(1, composed.ledger().dropped(DropReason.IOMMU_FAULT));
            assertEquals(1, hand.ledger.dropped(DropReason.IOMMU_FAULT));
            assertEquals(0, composed.cpu.total + hand.cpu.total);
        } finally {
            composed.machine.close();
        }
    }

    @Test
    void stage1MsiRigsTranslateTheDoorbellIovaInTheSmmu() {
        MsiPathBenchmark msi = new MsiPathBenchmark();
        msi.smmu = "stage1";
        msi.setUp(); // checks every raise is delivered: the IOVA reached the ITS in both rigs
        for (int i = 0; i < MsiRig.VECTORS; i++) {
            assertEquals(MsiOutcome.SENT, msi.composed());
            assertEquals(MsiOutcome.SENT, msi.handWired());
        }
        msi.tearDown();

        // Fresh rigs, nothing translated yet: clear the doorbell page's level-3 descriptor (the
        // bump allocator's fourth table page), and the SMMU, not the address, must stop the MSI.
        MsiRig.Composed composed = new MsiRig.Composed(true);
        MsiRig.HandWired hand = new MsiRig.HandWired(true);
        try {
            assertEquals(0xDL, composed.machine.system().read(MsiRig.SMMU + 0x24, 4), "CR0ACK");
            assertEquals(true, hand.smmu.mode().startsWith("enabled"), hand.smmu.mode());
            long pte = MsiRig.SMMU_TABLES + 3 * 4096 + org.trapdoor.testkit.Lpae4kTables.index(MsiRig.MSI_IOVA, 3) * 8L;
            assertEquals(MsiRig.ITS_DOORBELL & ~0xfffL, hand.ram.load64(pte) & org.trapdoor.testkit.Lpae4kTables.ADDRESS_MASK);
            composed.machine.memory().store64(pte, 0);
            hand.ram.store64(pte, 0);
            assertEquals(MsiOutcome.FAILED, composed.device.raise(0));
            assertEquals(MsiOutcome.FAILED, hand.device.raise(0));
            assertEquals(1, composed.ledger().dropped(DropReason.IOMMU_FAULT));
            assertEquals(1, hand.ledger.dropped(DropReason.IOMMU_FAULT));
            assertEquals(0, composed.cpu.total + hand.cpu.total);
        } finally {
            composed.machine.close();
        }
    }
}
