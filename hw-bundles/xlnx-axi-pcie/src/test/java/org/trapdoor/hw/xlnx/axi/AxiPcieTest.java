package org.trapdoor.hw.xlnx.axi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.ecam.EcamLayout;
import org.trapdoor.api.pci.ecam.EcamWindow;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.hw.gicv2.Gicv2;

class AxiPcieTest {
    static final long ECAM = 0x5000_0000L;
    static final long MSI_PAGE = 0x4000_3000L;
    static final int SPI = 32 + 52;

    final Gicv2 gic = new Gicv2("gic", 256, 1);
    final InterruptCounters ledger = new InterruptCounters();
    boolean attached = true;
    final PciFunction endpoint = new PciFunction() {
        @Override
        public int configRead(int offset, int size) {
            return offset == 0 ? 0x11e91234 : 0;
        }

        @Override
        public void configWrite(int offset, int size, int value) {
        }

        @Override
        public boolean decodeMemory(MemoryTransaction tx) {
            return false;
        }
    };
    final AxiPcie axi = new AxiPcie("/axi-pcie@50000000",
            new EcamWindow("/axi-pcie@50000000", 0, new RegEntry(ECAM, 256L << 20, null), 0, 255, List.of(), EcamLayout.ECAM),
            new PciHierarchy() {
                @Override
                public PciFunction function(int bus, int devfn) {
                    return attached && bus == 0 && devfn == 0 ? endpoint : null;
                }

                @Override
                public int[] requesterIds() {
                    return attached ? new int[] {0} : new int[0];
                }
            }, SPI, new ModelRef<InterruptController>() {
                @Override
                public InterruptController get() {
                    return gic;
                }

                @Override
                public org.trapdoor.api.dt.DtNode node() {
                    return null;
                }
            }, ledger);

    AxiPcieTest() {
        gicd(0x000, 4, 1);
        gic.enableCpuInterface(0, 0xff);
        gicd(0x100 + (SPI / 32) * 4, 4, 1L << (SPI % 32));
        gicd(0x800 + SPI, 1, 1);
    }

    private void gicd(int offset, int size, long v) {
        MemoryTransaction tx = new MemoryTransaction().write(0x0800_0000L + offset, size, v);
        tx.offset = offset;
        gic.region(0).access(tx);
    }

    /** A config access to the root port's bridge registers, as the driver's pcie_read/pcie_write make them. */
    long reg(int offset) {
        return axi.configRead(0, 0, offset, 4) & 0xffff_ffffL;
    }

    void reg(int offset, long v) {
        axi.configWrite(0, 0, offset, 4, (int) v);
    }

    MemoryTransaction msi(long data) {
        MemoryTransaction tx = new MemoryTransaction().write(MSI_PAGE, 4, data);
        tx.msi = true;
        axi.interceptUpstream(tx);
        return tx;
    }

    /** xilinx_pcie_init_port and xilinx_pcie_enable_msi. */
    void linuxInit() {
        reg(AxiPcie.IMR, ~0x1FF30FEDL);
        reg(AxiPcie.IDR, reg(AxiPcie.IDR) & 0x1FF30FEDL);
        reg(AxiPcie.IMR, 0x1FF30FEDL);
        reg(AxiPcie.RPSC, reg(AxiPcie.RPSC) | AxiPcie.RPSC_BEN);
        reg(AxiPcie.MSIBASE1, 0);
        reg(AxiPcie.MSIBASE2, MSI_PAGE);
    }

    @Test
    void theRootPortIsXilinx7021AndTheBridgeRegistersSitInItsConfigSpace() {
        assertEquals(0x702110ee, reg(0));
        assertEquals(AxiPcie.PSCR_LNKUP, reg(AxiPcie.PSCR), "a device is attached: link up");
        assertEquals(8L << 16, reg(AxiPcie.BIR), "ECAM size: 2^8 buses");
        attached = false;
        assertEquals(0, reg(AxiPcie.PSCR));
    }

    @Test
    void anMsiPushesValidMsiAndItsDataAndRaisesTheLineTheHandlerPopsAndClears() {
        linuxInit();
        assertEquals(MemResult.OK, msi(5).result);
        msi(70);
        assertTrue(gic.isPending(SPI, 0));
        assertEquals(AxiPcie.IDR_MSI, reg(AxiPcie.IDR) & AxiPcie.IDR_MSI);
        // xilinx_pcie_intr_handler, once per entry.
        for (long expected : new long[] {5, 70}) {
            long r1 = reg(AxiPcie.RPIFR1);
            assertEquals((AxiPcie.RPIFR1_VALID | AxiPcie.RPIFR1_MSI) & 0xffff_ffffL, r1 & 0xc000_0000L);
            assertEquals(expected, reg(AxiPcie.RPIFR2) & 0xffff);
            reg(AxiPcie.RPIFR1, 0xffff_ffffL);
        }
        reg(AxiPcie.IDR, AxiPcie.IDR_MSI);
        assertEquals(0, reg(AxiPcie.IDR));
        assertFalse(gic.isPending(SPI, 0), "level: the line dropped with the FIFO empty and IDR clear");
        assertEquals(2, ledger.delivered());
    }

    @Test
    void idrKeepsTheMsiBitWhileEntriesWait() {
        linuxInit();
        msi(1);
        msi(2);
        reg(AxiPcie.RPIFR1, 0xffff_ffffL);
        reg(AxiPcie.IDR, AxiPcie.IDR_MSI);
        assertEquals(AxiPcie.IDR_MSI, reg(AxiPcie.IDR), "one entry still waits");
        assertEquals(2, reg(AxiPcie.RPIFR2));
    }

    @Test
    void aFullFifoLosesTheMessageSetsOverflowAndCountsIt() {
        linuxInit();
        for (int i = 0; i < AxiPcie.FIFO_DEPTH; i++) {
            msi(i);
        }
        msi(99);
        assertEquals(1, ledger.dropped(DropReason.FIFO_OVERFLOW));
        assertEquals(AxiPcie.RPSC_OVERFLOW, reg(AxiPcie.RPSC) & AxiPcie.RPSC_OVERFLOW);
        assertEquals(AxiPcie.FIFO_DEPTH, axi.fifoSize());
        assertEquals(AxiPcie.FIFO_DEPTH + 1, ledger.fired());
    }

    @Test
    void readingOrPoppingAnEmptyFifoGivesZeroAndIsCounted() {
        linuxInit();
        assertEquals(0, reg(AxiPcie.RPIFR1));
        assertEquals(0, reg(AxiPcie.RPIFR2));
        reg(AxiPcie.RPIFR1, 0xffff_ffffL);
        assertEquals(2, axi.emptyReads());
        assertEquals(1, axi.emptyPops());
    }

    @Test
    void aMaskedMsiWaitsInTheFifoWithTheLineLowAndNothingIsCapturedBeforeMsibaseIsSet() {
        assertFalse(axi.interceptUpstream(new MemoryTransaction().write(MSI_PAGE, 4, 1)), "MSIBASE not set");
        linuxInit();
        reg(AxiPcie.IMR, 0);
        msi(3);
        assertEquals(1, ledger.dropped(DropReason.INTERRUPT_DISABLED));
        assertFalse(gic.isPending(SPI, 0));
        reg(AxiPcie.IMR, AxiPcie.IDR_MSI);
        assertTrue(gic.isPending(SPI, 0), "unmasking raises the line for the waiting entry");
    }

    @Test
    void configBeyondTheRootBusNeedsTheLinkAndOnlyDevfnZeroIsOnTheRootBus() {
        reg(0x18, 0x010100);
        assertEquals(0x11e91234, axi.configRead(1, 0, 0, 4));
        assertEquals(-1, axi.configRead(0, 8, 0, 4));
        attached = false;
        assertEquals(-1, axi.configRead(1, 0, 0, 4));
    }
}
