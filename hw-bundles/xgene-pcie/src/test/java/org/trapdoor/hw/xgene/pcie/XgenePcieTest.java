package org.trapdoor.hw.xgene.pcie;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;

/** The controller as pci-xgene.c programs and uses it (mustang's pcie@1f2b0000). */
class XgenePcieTest {
    static final long CSR = 0x1f2b_0000L;
    static final long CFG = 0xe0_d000_0000L;

    final InterruptCounters ledger = new InterruptCounters();
    boolean attached = true;
    int lastWrite = -1;
    final PciFunction endpoint = new PciFunction() {
        @Override
        public int configRead(int offset, int size) {
            return offset == 0 ? 0xabcd_1af4 : offset == 8 ? 0x0200_0001 : 0;
        }

        @Override
        public void configWrite(int offset, int size, int value) {
            lastWrite = value;
        }

        @Override
        public boolean decodeMemory(MemoryTransaction tx) {
            if (tx.address >= 0x8000_0000L && tx.address < 0x8000_1000L) {
                tx.data = 0x5a;
                tx.result = MemResult.OK;
                return true;
            }
            return false;
        }
    };
    final XgeneDeviceClock clock = new XgeneDeviceClock("/soc/clocks/pcie0clk@1f2bc000", 0, 0, 0xf, 8, 0xf);
    final XgenePcie pcie = new XgenePcie("/soc/pcie@1f2b0000", 0, 1, 0x40000, 0, 255, new PciHierarchy() {
        @Override
        public PciFunction function(int bus, int devfn) {
            return attached && bus == 0 && devfn == 0 ? endpoint : null;
        }

        @Override
        public int[] requesterIds() {
            return attached ? new int[] {0} : new int[0];
        }
    }, new ModelRef<XgeneDeviceClock>() {
        @Override
        public XgeneDeviceClock get() {
            return clock;
        }

        @Override
        public DtNode node() {
            return null;
        }
    }, ledger);

    long csr(int off) {
        MemoryTransaction tx = new MemoryTransaction().read(CSR + off, 4);
        tx.offset = off;
        pcie.region(0).access(tx);
        return tx.data;
    }

    void csr(int off, long v) {
        MemoryTransaction tx = new MemoryTransaction().write(CSR + off, 4, v);
        tx.offset = off;
        pcie.region(0).access(tx);
    }

    MemoryTransaction cfg(long off, int size, boolean write, long v) {
        MemoryTransaction tx = write ? new MemoryTransaction().write(CFG + off, size, v) : new MemoryTransaction().read(CFG + off, size);
        tx.offset = off;
        pcie.region(1).access(tx);
        return tx;
    }

    void clockOn() {
        MemoryTransaction tx = new MemoryTransaction().write(0, 4, 0xf);
        tx.offset = 8;
        clock.region(0).access(tx);
        tx = new MemoryTransaction().write(0, 4, 0);
        tx.offset = 0;
        clock.region(0).access(tx);
    }

    /** xgene_pcie_map_bus + xgene_pcie_config_read32 for a function beyond the root bus. */
    long readDownstream(int bus, int devfn, int reg) {
        csr(XgenePcie.RTDID, bus << 8 | devfn);
        csr(XgenePcie.RTDID);
        return cfg(XgenePcie.AXI_EP_CFG_ACCESS + reg, 4, false, 0).data;
    }

    /** xgene_pcie_setup with mustang's ranges and dma-ranges. */
    void linuxSetup() {
        for (int r = XgenePcie.PIM1_1L; r <= XgenePcie.CFGCTL; r += 4) {
            csr(r, 0);
        }
        csr(XgenePcie.BRIDGE_CFG_0, 0xE004L << 16 | 0x10e8);
        ob(XgenePcie.OMR3BARL, 0xe0_1000_0000L, 0x10000, 0, true);
        ob(XgenePcie.OMR1BARL, 0xe1_8000_0000L, 0x8000_0000L, 0x8000_0000L, false);
        ob(XgenePcie.OMR2BARL, 0xf0_0000_0000L, 0x10_0000_0000L, 0xf0_0000_0000L, false);
        csr(XgenePcie.CFGBARL, CFG & 0xffff_ffffL);
        csr(XgenePcie.CFGBARH, CFG >>> 32);
        csr(XgenePcie.CFGCTL, 1);
        // Region 0 (2 GiB at 0x80_0000_0000): BRIDGE_CFG_4 mask in 16-bit pieces, BAR0/1, PIM1.
        long size = 0x8000_0000L;
        long mask = (~(size - 1) & ~0xfL) | 0xc;
        csr(0x2010, (csr(0x2010) & 0xffff) | (mask & 0xffff_ffffL) << 16);
        csr(0x2014, (csr(0x2014) & 0xffff_0000L) | (mask & 0xffff_ffffL) >>> 16);
        csr(0x2014, (csr(0x2014) & 0xffff) | (mask >>> 32) << 16);
        csr(0x2018, (csr(0x2018) & 0xffff_0000L) | (mask >>> 32) >>> 16);
        cfg(0x10, 4, true, 0x0000_000cL);
        cfg(0x14, 4, true, 0x80);
        pim(XgenePcie.PIM1_1L, 0x80_0000_0000L, ~(size - 1));
        // Region 2 (512 GiB at 0): IBAR3, IR3MSK, PIM3.
        long size2 = 0x80_0000_0000L;
        long m2 = ~(size2 - 1) | 1;
        csr(XgenePcie.IBAR3L, 0xc);
        csr(XgenePcie.IBAR3L + 4, 0);
        csr(XgenePcie.IR3MSKL, m2 & 0xffff_ffffL);
        csr(XgenePcie.IR3MSKL + 4, m2 >>> 32);
        pim(XgenePcie.PIM3_1L, 0, ~(size2 - 1));
    }

    void ob(int base, long cpu, long size, long pci, boolean io) {
        long mask = ~(size - 1) | 1 | (io ? 2 : 0);
        csr(base, cpu & 0xffff_ffffL);
        csr(base + 4, cpu >>> 32);
        csr(base + 8, mask & 0xffff_ffffL);
        csr(base + 12, mask >>> 32);
        csr(base + 16, pci & 0xffff_ffffL);
        csr(base + 20, pci >>> 32);
    }

    void pim(int reg, long pim, long size) {
        csr(reg, pim & 0xffff_ffffL);
        csr(reg + 4, pim >>> 32 | 0xf000_0000L);
        csr(reg + 0x10, size & 0xffff_ffffL);
        csr(reg + 0x14, size >>> 32);
    }

    @Test
    void theLinkNeedsTheClockRunningAndADeviceAttached() {
        assertEquals(0, csr(XgenePcie.PCIECORE_CTLANDSTATUS) & XgenePcie.LINK_UP, "clock gated and in reset at power-on");
        clockOn();
        long st = csr(XgenePcie.PCIECORE_CTLANDSTATUS);
        assertEquals(XgenePcie.LINK_UP, st & XgenePcie.LINK_UP);
        assertEquals(2, (st & 0xc000) >>> 14, "PIPE_PHY_RATE_RD: Gen3");
        assertEquals(8, csr(XgenePcie.BRIDGE_STATUS_0) >>> 26, "x8");
        attached = false;
        assertEquals(0, csr(XgenePcie.PCIECORE_CTLANDSTATUS) & XgenePcie.LINK_UP);
    }

    @Test
    void aConfigCycleThroughRtdidReachesTheFunctionBehindTheRootPortOnceSetUp() {
        clockOn();
        assertEquals(0xffff_ffffL, readDownstream(1, 0, 0), "CFGCTL still off: refused");
        linuxSetup();
        assertEquals(0xffff_ffffL, readDownstream(1, 0, 0), "the root port's secondary bus is not programmed yet");
        cfg(0x18, 4, true, 0x00ff_0100); // pci_scan_bridge: primary 0, secondary 1, subordinate 255
        assertEquals(0xabcd_1af4L, readDownstream(1, 0, 0));
        assertEquals(0xffff_ffffL, readDownstream(1, 8, 0), "no device 1");
        csr(XgenePcie.RTDID, 1 << 8);
        cfg(XgenePcie.AXI_EP_CFG_ACCESS + 4, 4, true, 0x6);
        assertEquals(6, lastWrite);
        assertEquals(1, pcie.refusedConfigAccesses(), "only the cycle before CFGCTL was refused");
    }

    @Test
    void configBeforeLinkUpIsRefusedAndCounted() {
        linuxSetup();
        cfg(0x18, 4, true, 0x00ff_0100);
        assertEquals(0xffff_ffffL, readDownstream(1, 0, 0), "clock gated: link down");
        csr(XgenePcie.RTDID, 1 << 8);
        cfg(XgenePcie.AXI_EP_CFG_ACCESS + 4, 4, true, 0x6);
        assertEquals(-1, lastWrite, "the write was dropped");
        assertEquals(2, pcie.refusedConfigAccesses());
        assertEquals(-1, pcie.configRead(1, 0, 0, 4), "by BDF as well");
    }

    @Test
    void theRootPortTakesBridgeCfg0sIdsHasHiddenInboundBarsAndClaimsCrsVisibility() {
        assertEquals(0, cfg(0, 4, false, 0).data, "before xgene_pcie_setup writes BRIDGE_CFG_0");
        linuxSetup();
        assertEquals(0xe004_10e8L, cfg(0, 4, false, 0).data);
        assertEquals(0x0604_00L, cfg(8, 4, false, 0).data >>> 8, "a PCI-to-PCI bridge");
        assertEquals(0x8000_0000_0cL & 0xffff_ffffL, cfg(0x10, 4, false, 0).data);
        assertEquals(0x40, cfg(0x34, 4, false, 0).data & 0xff);
        assertEquals(1, cfg(0x5c, 4, false, 0).data >>> 16 & 1, "Root Capabilities: CRS SV (the v1 erratum)");
        assertEquals(0xffff_ffffL, cfg(0x1000, 4, false, 0).data, "nothing beyond the root port's 4 KiB");
    }

    @Test
    void onlyThirtyTwoBitConfigAccessesExist() {
        assertEquals(MemResult.ABORT, cfg(0, 2, false, 0).result);
        assertEquals(MemResult.ABORT, cfg(2, 4, false, 0).result);
        assertEquals(2, pcie.badAccesses());
    }

    @Test
    void upstreamTransactionsGoThroughTheInboundWindowsOnly() {
        clockOn();
        MemoryTransaction early = new MemoryTransaction().write(0x7900_0000L, 4, 3);
        early.msi = true;
        assertTrue(pcie.interceptUpstream(early), "no inbound window yet: refused at the root complex");
        assertEquals(MemResult.ABORT, early.result);
        assertEquals(1, ledger.dropped(DropReason.NO_DOORBELL));
        linuxSetup();
        assertEquals(2, pcie.inboundWindows().size(), pcie.summary());
        MemoryTransaction msi = new MemoryTransaction().write(0x7900_0000L, 4, 3);
        msi.msi = true;
        assertFalse(pcie.interceptUpstream(msi), "region 2 (identity, 512 GiB) passes it on");
        assertEquals(0x7900_0000L, msi.address);
        assertTrue(msi.msi, "not recorded here: the doorbell does");
        MemoryTransaction high = new MemoryTransaction().read(0x80_1234_5000L, 4);
        assertFalse(pcie.interceptUpstream(high));
        assertEquals(0x80_1234_5000L, high.address, "region 0: 0x80_0000_0000 + 2 GiB, identity");
        MemoryTransaction beyond = new MemoryTransaction().read(0x90_0000_0000L, 4);
        assertTrue(pcie.interceptUpstream(beyond));
        assertEquals(2, pcie.inboundMisses());
    }

    @Test
    void outboundAccessesNeedAnEnabledWindowAndTheLink() {
        clockOn();
        MemoryTransaction tx = new MemoryTransaction().read(0x8000_0010L, 4);
        pcie.outbound(tx);
        assertEquals(MemResult.DECODE_ERROR, tx.result, "OMR1 not programmed");
        linuxSetup();
        cfg(0x18, 4, true, 0x00ff_0100);
        tx = new MemoryTransaction().read(0x8000_0010L, 4);
        pcie.outbound(tx);
        assertEquals(0x5a, tx.data);
        assertEquals(3, pcie.outboundWindows().size());
        assertEquals(1, pcie.unsupportedRequests());
    }

    @Test
    void theClockRunsOnlyWithItsEnableBitsSetAndItsResetReleased() {
        assertFalse(clock.running());
        MemoryTransaction tx = new MemoryTransaction().write(0, 4, 0xf);
        tx.offset = 8;
        clock.region(0).access(tx);
        assertFalse(clock.running(), "enabled but still held in reset");
        clockOn();
        assertTrue(clock.running());
    }

    @Test
    void aSwapKeepsTheProgrammedWindowsAndTheRootPort() {
        clockOn();
        linuxSetup();
        cfg(0x18, 4, true, 0x00ff_0100);
        Object state = pcie.saveState();
        XgenePcie next = new XgenePcie("/soc/pcie@1f2b0000", 0, 1, 0x40000, 0, 255, new PciHierarchy() {
            @Override
            public PciFunction function(int bus, int devfn) {
                return bus == 0 && devfn == 0 ? endpoint : null;
            }

            @Override
            public int[] requesterIds() {
                return new int[] {0};
            }
        }, null, ledger);
        next.restoreState(state);
        assertEquals(pcie.inboundWindows(), next.inboundWindows());
        assertEquals(0xabcd_1af4, next.configRead(1, 0, 0, 4));
    }
}
