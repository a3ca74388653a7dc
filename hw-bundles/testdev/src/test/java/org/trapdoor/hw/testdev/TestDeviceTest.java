package org.trapdoor.hw.testdev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.PcieCapability;

class TestDeviceTest {
    private static final long BAR0 = 0x1000_0000L;
    private static final long BAR2 = 0x8_0000_0000L;

    private TestDevice dev;
    private final FakeUpstream up = new FakeUpstream();

    @BeforeEach
    void setUp() {
        dev = (TestDevice) new TestDeviceFactory().create(Map.of());
        dev.connect(up);
        dev.configWrite(PciConfig.BAR0, 4, (int) BAR0);
        dev.configWrite(PciConfig.BAR0 + 8, 4, (int) BAR2);
        dev.configWrite(PciConfig.BAR0 + 12, 4, (int) (BAR2 >>> 32));
        dev.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
    }

    private long mmio(long address, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(address, size);
        assertTrue(dev.decodeMemory(tx), "claimed " + Long.toHexString(address));
        return tx.data;
    }

    private void mmio(long address, int size, long value) {
        MemoryTransaction tx = new MemoryTransaction().write(address, size, value);
        assertTrue(dev.decodeMemory(tx), "claimed " + Long.toHexString(address));
    }

    private long sizeBar(int offset) {
        int saved = dev.configRead(offset, 4);
        dev.configWrite(offset, 4, -1);
        long v = dev.configRead(offset, 4) & 0xffff_fff0L;
        dev.configWrite(offset, 4, saved);
        return v;
    }

    @Test
    void headerIdentifiesTheQemuTestVendorDevice() {
        assertEquals(0x11e91234, dev.configRead(0, 4));
        assertEquals(0x00ff0001, dev.configRead(PciConfig.REVISION_ID, 4));
        assertEquals(PciConfig.STATUS_CAP_LIST, dev.configRead(PciConfig.STATUS, 2));
        assertEquals(0x40, dev.configRead(PciConfig.CAPABILITY_LIST, 1));
        int[] ids = new int[3];
        int pos = 0x40;
        for (int i = 0; i < 3; i++) {
            ids[i] = dev.configRead(pos, 1);
            pos = dev.configRead(pos + 1, 1) & ~3;
        }
        assertEquals(0, pos);
        assertEquals(List.of(PciConfig.CAP_ID_MSI, PciConfig.CAP_ID_MSIX, PciConfig.CAP_ID_EXP),
                List.of(ids[0], ids[1], ids[2]));
        assertEquals(0, dev.configRead(0x100, 4), "no extended capabilities");
    }

    @Test
    void configDumpIsInLspciFormat() {
        String[] lines = dev.config().dump(256).split("\n");
        assertEquals(16, lines.length);
        assertEquals("00: 34 12 e9 11 06 00 10 00 01 00 ff 00 00 00 00 00", lines[0]);
        assertTrue(lines[4].startsWith("40: 05 60 84 01"), lines[4]);
    }

    @Test
    void barsSizeAs4KiB32BitAnd8KiB64Bit() {
        dev.configWrite(PciConfig.COMMAND, 2, 0);
        assertEquals(0xffff_f000L, sizeBar(PciConfig.BAR0));
        assertEquals(PciConfig.BAR_MEM_TYPE_64, dev.configRead(PciConfig.BAR0 + 8, 4) & 0xf);
        assertEquals(0xffff_e000L, sizeBar(PciConfig.BAR0 + 8));
        assertEquals(0, dev.configRead(PciConfig.BAR0 + 16, 4));
        assertEquals(BAR2, dev.bar2().address());
    }

    @Test
    void withoutMsixTheListSkipsItAndBar2IsAbsent() {
        TestDevice d = new TestDevice(1, 0);
        assertEquals(TestDevice.PCIE_CAP, d.configRead(TestDevice.MSI_CAP + 1, 1));
        assertNull(d.bar2());
        d.configWrite(PciConfig.BAR0 + 8, 4, -1);
        assertEquals(0, d.configRead(PciConfig.BAR0 + 8, 4));
    }

    @Test
    void memoryDecodingFollowsTheCommandRegister() {
        assertEquals((TestDevice.DEVICE_ID << 16) | TestDevice.VERSION, mmio(BAR0, 4));
        dev.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MASTER);
        assertFalse(dev.decodeMemory(new MemoryTransaction().read(BAR0, 4)));
    }

    @Test
    void msiDoorbellSendsDataOrVectorTo64BitAddress() {
        dev.configWrite(0x40 + PciConfig.MSI_ADDRESS_LO, 4, 0xfee0_1000);
        dev.configWrite(0x40 + PciConfig.MSI_ADDRESS_HI, 4, 0);
        dev.configWrite(0x40 + PciConfig.MSI_DATA_64, 2, 0x4960);
        dev.configWrite(0x40 + PciConfig.MSI_FLAGS, 2, (2 << 4) | PciConfig.MSI_FLAGS_ENABLE);
        mmio(BAR0 + TestDevice.REG_RAISE, 4, 3);
        assertEquals(List.of("W fee01000/4=4963 rid=100"), up.log);
        assertEquals(MsiOutcome.SENT.ordinal(), mmio(BAR0 + TestDevice.REG_RAISE_OUTCOME, 4));
        assertEquals(MsiOutcome.BAD_VECTOR, dev.raise(4));
        assertEquals(1, mmio(BAR0 + TestDevice.REG_MSG_SENT, 4));
        assertEquals(1, mmio(BAR0 + TestDevice.REG_RAISE_REFUSED, 4));
    }

    @Test
    void raiseIsRefusedAndCountedWhenNothingIsEnabled() {
        assertEquals(MsiOutcome.DISABLED, dev.raise(0));
        assertEquals(1, dev.raisesRefused());
        assertTrue(up.log.isEmpty());
    }

    @Test
    void msixMaskedEntryPendsAndIsDeliveredOnUnmask() {
        mmio(BAR2 + 0x20, 8, 0xfee0_2000L);
        mmio(BAR2 + 0x28, 4, 0x77);
        dev.configWrite(0x60 + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE);
        // MSI-X wins over MSI even if both are on.
        dev.configWrite(0x40 + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE);
        assertEquals(MsiOutcome.PENDING, dev.raise(2));
        assertEquals(1L << 2, mmio(BAR2 + 0x1000, 8));
        assertTrue(up.log.isEmpty());
        mmio(BAR2 + 0x2c, 4, 0);
        assertEquals(List.of("W fee02000/4=77 rid=100"), up.log);
        assertEquals(0, mmio(BAR2 + 0x1000, 8));
        assertEquals(MsiOutcome.SENT, dev.raise(2));
        assertEquals(2, dev.messagesSent());
        assertEquals(1, dev.raisesPended());
    }

    @Test
    void functionLevelResetIsAdvertisedAndReturnsTheFunctionToItsResetState() {
        int devcap = dev.configRead(TestDevice.PCIE_CAP + PciConfig.EXP_DEVCAP, 4);
        assertEquals(PcieCapability.DEVCAP_FLR, devcap & PcieCapability.DEVCAP_FLR, "FLR capable");
        mmio(BAR2 + 0x20, 8, 0xfee0_2000L);
        mmio(BAR2 + 0x28, 4, 0x77);
        mmio(BAR2 + 0x2c, 4, 0);
        mmio(BAR0 + TestDevice.REG_SCRATCH, 4, 0xabcd);
        dev.configWrite(0x60 + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE);
        assertEquals(MsiOutcome.SENT, dev.raise(2));
        int devctl = dev.configRead(TestDevice.PCIE_CAP + PciConfig.EXP_DEVCTL, 2);

        dev.configWrite(TestDevice.PCIE_CAP + PciConfig.EXP_DEVCTL, 2, devctl | PcieCapability.DEVCTL_BCR_FLR);

        assertEquals(1, dev.functionLevelResets());
        assertEquals(0, dev.configRead(TestDevice.PCIE_CAP + PciConfig.EXP_DEVCTL, 2) & PcieCapability.DEVCTL_BCR_FLR,
                "Initiate FLR reads 0");
        assertEquals(0, dev.configRead(PciConfig.COMMAND, 2), "decoding and bus mastering off");
        assertEquals(0, dev.configRead(0x60 + PciConfig.MSIX_FLAGS, 2) & PciConfig.MSIX_FLAGS_ENABLE, "MSI-X off");
        assertEquals(0, dev.configRead(PciConfig.BAR0, 4) & 0xffff_fff0, "BAR0 back to 0");
        assertEquals(MsiOutcome.DISABLED, dev.raise(2), "nothing is sent after the reset");
        assertEquals(1, dev.messagesSent());
        // Software restores the BARs and decoding (pci_restore_state): the registers and the table are reset.
        dev.configWrite(PciConfig.BAR0, 4, (int) BAR0);
        dev.configWrite(PciConfig.BAR0 + 8, 4, (int) BAR2);
        dev.configWrite(PciConfig.BAR0 + 12, 4, (int) (BAR2 >>> 32));
        dev.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY);
        assertEquals(0, mmio(BAR0 + TestDevice.REG_SCRATCH, 4));
        assertEquals(0, mmio(BAR2 + 0x28, 4), "entry data cleared");
        assertEquals(PciConfig.MSIX_ENTRY_CTRL_MASKBIT, mmio(BAR2 + 0x2c, 4), "entries masked");
    }

    @Test
    void raiseWithoutBusMasterIsRefused() {
        dev.configWrite(0x40 + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE);
        dev.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY);
        assertEquals(MsiOutcome.NO_BUS_MASTER, dev.raise(0));
    }

    @Test
    void dmaToBusUsesNaturallyAlignedTransactionsOfOneObject() {
        for (int i = 0; i < 16; i++) {
            mmio(BAR0 + TestDevice.BUFFER_OFFSET + i, 1, 0x10 + i);
        }
        mmio(BAR0 + TestDevice.REG_DMA_SRC, 8, 0);
        mmio(BAR0 + TestDevice.REG_DMA_DST, 8, FakeUpstream.RAM + 3);
        mmio(BAR0 + TestDevice.REG_DMA_LEN, 4, 14);
        mmio(BAR0 + TestDevice.REG_DMA_CMD, 4, TestDevice.CMD_START);
        assertEquals(List.of("W 40000003/1=10 rid=100", "W 40000004/4=14131211 rid=100",
                "W 40000008/8=1c1b1a1918171615 rid=100", "W 40000010/1=1d rid=100"), up.log);
        assertEquals(1, up.objects.size(), "one reused transaction");
        assertEquals(TestDevice.STATUS_DONE, mmio(BAR0 + TestDevice.REG_DMA_STATUS, 4));
        assertEquals(0, mmio(BAR0 + TestDevice.REG_DMA_CMD, 4) & TestDevice.CMD_START);
        assertEquals(1, mmio(BAR0 + TestDevice.REG_DMA_DONE, 4));
        mmio(BAR0 + TestDevice.REG_DMA_STATUS, 4, TestDevice.STATUS_DONE);
        assertEquals(0, mmio(BAR0 + TestDevice.REG_DMA_STATUS, 4));
    }

    @Test
    void dmaFromBusAndBusToBusCopyBytes() {
        for (int i = 0; i < 32; i++) {
            up.ram[i] = (byte) (0xa0 + i);
        }
        assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.FROM_BUS, FakeUpstream.RAM, 0x10, 32));
        assertEquals(0xa7a6a5a4a3a2a1a0L, dev.readBuffer(0x10, 8));
        assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.BUS_TO_BUS, FakeUpstream.RAM + 1,
                FakeUpstream.RAM + 0x101, 20));
        for (int i = 0; i < 20; i++) {
            assertEquals(up.ram[1 + i], up.ram[0x101 + i]);
        }
        assertEquals(2, dev.dmasDone());
    }

    @Test
    void abortedTransactionStopsTheDmaWithAnError() {
        up.abortFrom = FakeUpstream.RAM + 0x10;
        up.abortTo = FakeUpstream.RAM + 0x18;
        dev.configWrite(0x40 + PciConfig.MSI_ADDRESS_LO, 4, 0xfee0_0000);
        dev.configWrite(0x40 + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE);
        mmio(BAR0 + TestDevice.REG_DMA_SRC, 8, 0);
        mmio(BAR0 + TestDevice.REG_DMA_DST, 8, FakeUpstream.RAM);
        mmio(BAR0 + TestDevice.REG_DMA_LEN, 4, 64);
        mmio(BAR0 + TestDevice.REG_DMA_CMD, 4, TestDevice.CMD_START | TestDevice.CMD_IRQ);
        assertEquals(4, up.log.size(), "two writes, the aborted one, then the completion MSI");
        assertTrue(up.log.get(2).startsWith("W 40000010/8"), up.log.get(2));
        assertTrue(up.log.get(3).startsWith("W fee00000/4"), up.log.get(3));
        assertEquals(TestDevice.STATUS_DONE | TestDevice.STATUS_ERROR
                | (DmaResult.ABORT.ordinal() << TestDevice.STATUS_CAUSE_SHIFT),
                mmio(BAR0 + TestDevice.REG_DMA_STATUS, 4));
        assertEquals(FakeUpstream.RAM + 0x10, mmio(BAR0 + TestDevice.REG_DMA_FAULT_ADDR, 8));
        assertEquals(1, mmio(BAR0 + TestDevice.REG_DMA_FAILED, 4));
        assertTrue((dev.configRead(PciConfig.STATUS, 2) & PciConfig.STATUS_REC_TARGET_ABORT) != 0);
    }

    @Test
    void dmaOutsideRamIsADecodeError() {
        assertEquals(DmaResult.DECODE_ERROR, dev.dma(TestDevice.Direction.FROM_BUS, 0x100, 0, 8));
        assertTrue((dev.configRead(PciConfig.STATUS, 2) & PciConfig.STATUS_REC_MASTER_ABORT) != 0);
        dev.configWrite(PciConfig.STATUS, 2, PciConfig.STATUS_REC_MASTER_ABORT);
        assertEquals(PciConfig.STATUS_CAP_LIST, dev.configRead(PciConfig.STATUS, 2));
    }

    @Test
    void badDmaRequestsMoveNothing() {
        assertEquals(DmaResult.BAD_REQUEST, dev.dma(TestDevice.Direction.TO_BUS, 0x7f0, FakeUpstream.RAM, 32));
        assertEquals(DmaResult.BAD_REQUEST, dev.dma(TestDevice.Direction.FROM_BUS, FakeUpstream.RAM, 0, 0));
        dev.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY);
        assertEquals(DmaResult.NO_BUS_MASTER, dev.dma(TestDevice.Direction.FROM_BUS, FakeUpstream.RAM, 0, 8));
        assertTrue(up.log.isEmpty());
        assertEquals(DmaResult.NOT_CONNECTED, new TestDevice(4, 8).dma(TestDevice.Direction.FROM_BUS, 0, 0, 8));
    }

    @Test
    void factoryRejectsBadOptions() {
        TestDeviceFactory f = new TestDeviceFactory();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> f.create(Map.of("vectors", "4")));
        assertTrue(e.getMessage().contains("vectors"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> f.create(Map.of("msi", "3")));
        assertThrows(IllegalArgumentException.class, () -> f.create(Map.of("msi", "64")));
        assertThrows(IllegalArgumentException.class, () -> f.create(Map.of("msix", "2049")));
        e = assertThrows(IllegalArgumentException.class, () -> f.create(Map.of("msix", "lots")));
        assertTrue(e.getMessage().contains("lots"), e.getMessage());
        TestDevice d = (TestDevice) f.create(Map.of("msi", "32", "msix", "2048"));
        assertEquals(2048, d.msix().tableSize());
        assertEquals(0x10000, d.bar2().size());
        assertEquals("testdev", f.type());
    }
}
