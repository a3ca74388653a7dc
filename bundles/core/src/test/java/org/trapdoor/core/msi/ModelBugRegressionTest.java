package org.trapdoor.core.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.core.Presets;
import org.trapdoor.core.fuzz.ModelCatalogAccess;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.testdev.DmaResult;
import org.trapdoor.hw.testdev.TestDevice;

/**
 * Model bugs found by fuzzing (issue 9), each reproduced through the composed machine as the
 * fuzz tests reach it, kept as regression cases now that they are fixed.
 */
class ModelBugRegressionTest {
    private static final int DEVFN = 0x08;
    private ComposedMachine m;

    private TestDevice boot(String preset) {
        m = new ComposedMachine(Presets.load(new DeviceTreeService(), preset));
        ModelCatalogAccess.addEverything(m);
        m.attach("testdev,addr=01.0,msi=4,msix=8");
        return (TestDevice) m.msiSources().get(0);
    }

    /** Closes the machine unless a raise may still be stuck inside it (closing would wait for it). */
    private boolean stuck;

    @AfterEach
    void close() {
        if (m != null && !stuck) {
            m.close();
        }
    }

    /**
     * SMMUv3: a CMD_SYNC with CS=SIG_IRQ whose MSI address is the SMMU's own CMDQ_PROD re-entered
     * command processing from the MSI write without bound (StackOverflowError out of an MMIO
     * write).
     */
    @Test
    void aCmdSyncWhoseMsiTargetsTheSmmusOwnCmdqProdDoesNotRecurse() {
        boot("virt");
        SmmuGuest smmu = new SmmuGuest(m);
        smmu.enable();
        try {
            smmu.command(0x46 | 1L << 12 | 1L << 32, SmmuGuest.SMMU + 0x98);
        } catch (Throwable t) {
            fail("a write to CMDQ_PROD threw " + t);
        }
        assertEquals(1, m.system().read(SmmuGuest.SMMU + 0x9C, 4), "the CMD_SYNC was consumed once: CMDQ_CONS = 1");
        assertEquals(0, m.system().read(SmmuGuest.SMMU + 0x60, 4), "no global error (GERROR)");
        smmu.command(0x46, 0); // the queue still moves
        assertEquals(2, m.system().read(SmmuGuest.SMMU + 0x9C, 4));
    }

    /**
     * TestDevice: {@code src + length <= BUFFER_SIZE} wrapped for a source offset near
     * {@code Long.MAX_VALUE}: ArrayIndexOutOfBoundsException, and the device stayed BUSY.
     */
    @Test
    void aDmaWithASourceOffsetNearLongMaxIsABadRequestAndLeavesTheDeviceIdle() {
        TestDevice dev = boot("virt");
        new Guest(m).enableDevice(DEVFN); // bus mastering on, so the DMA reaches its bounds check
        DmaResult r;
        try {
            r = dev.dma(TestDevice.Direction.TO_BUS, Long.MAX_VALUE - 2, 0x4000_0000L, 8);
        } catch (Throwable t) {
            fail("dma threw " + t);
            return;
        }
        assertEquals(DmaResult.BAD_REQUEST, r);
        assertNotEquals(DmaResult.BUSY, dev.dma(TestDevice.Direction.TO_BUS, 0, 0x4000_0000L, 8));
    }

    /**
     * GICv2m: with the SPI left level-sensitive (GICD_ICFGR), an MSI through the frame was
     * delivered, re-pended on every EOI and the raise never returned. The frame's write is a
     * pulse: the CPU takes it once.
     */
    @Test
    void anMsiToALevelSensitiveV2mSpiReturns() {
        TestDevice dev = boot("virt-gicv2m");
        Guest g = new Guest(m);
        m.attachSink(null, g);
        g.gicv2(80);
        long cfg = Guest.GICD + 0xC00 + 4 * (80 / 16);
        g.mmio(cfg, 4, m.system().read(cfg, 4) & ~(0xFFL << ((80 % 16) * 2))); // level-sensitive again
        g.enableDevice(DEVFN);
        g.enableMsi(DEVFN, Guest.V2M_DOORBELL, 80);
        stuck = true;
        MsiOutcome o = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> dev.raise(0));
        stuck = false;
        assertEquals(MsiOutcome.SENT, o);
        assertEquals(1, m.msiLedger().fired());
        assertEquals(List.of(80), g.taken, "the CPU took the SPI once: the pulse is over before its EOI");
    }
}
