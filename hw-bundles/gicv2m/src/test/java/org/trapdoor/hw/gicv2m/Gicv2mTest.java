package org.trapdoor.hw.gicv2m;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.hw.gicv2.Gicv2;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.testkit.DeviceTrees;
import org.trapdoor.testkit.FakeBindContext;

class Gicv2mTest {
    Gicv2 gic;
    FakeBindContext ctx;
    Gicv2m v2m;
    MmioHandler mmio;
    long sent;

    @BeforeEach
    void setUp() throws BindException {
        gic = new Gicv2("gic", 256, 1);
        DtNode frame = DeviceTrees.qemuVirtGicv2(1).child("intc@8000000").child("v2m@8020000");
        ctx = new FakeBindContext(frame);
        ctx.bind(frame.parent(), gic);
        v2m = (Gicv2m) new Gicv2mDriver().create(ctx);
        mmio = v2m.region(0);
        // The GIC side, as Xen sets it up: distributor and CPU interface on, frame SPIs edge.
        gic.region(0).access(tx(true, 0x000, 4, 1));
        gic.enableCpuInterface(0, 0xff);
        for (int id = 80; id < 144; id++) {
            gic.region(0).access(tx(true, 0x100 + (id / 32) * 4, 4, 1L << (id % 32)));
            gic.region(0).access(tx(true, 0x800 + id, 1, 1));
        }
        for (int w = 80 / 16; w < 144 / 16; w++) {
            gic.region(0).access(tx(true, 0xC00 + w * 4, 4, 0xAAAA_AAAAL));
        }
    }

    @AfterEach
    void everyWriteIsCounted() {
        InterruptCounters c = v2m.counters();
        assertEquals(c.fired(), c.delivered() + c.dropped());
        assertEquals(sent, c.fired());
    }

    static MemoryTransaction tx(boolean write, long off, int size, long data) {
        MemoryTransaction t = write ? new MemoryTransaction().write(0x8020000 + off, size, data)
                : new MemoryTransaction().read(0x8020000 + off, size);
        t.offset = off;
        return t;
    }

    long read(long off, int size) {
        MemoryTransaction t = tx(false, off, size, 0);
        mmio.access(t);
        assertEquals(MemResult.OK, t.result);
        return t.data;
    }

    MemoryTransaction setSpi(int size, long data) {
        MemoryTransaction t = tx(true, Gicv2m.MSI_SETSPI_NS, size, data);
        mmio.access(t);
        sent++;
        return t;
    }

    @Test
    void typerReportsQemuVirtDefaults() {
        assertEquals((80L << 16) | 64, read(Gicv2m.MSI_TYPER, 4));
        assertEquals(0, read(Gicv2m.MSI_IIDR, 4));
        assertEquals(0, read(0xFD0, 4));
        assertEquals(0x8020040L, v2m.doorbellAddress(123));
        assertFalse(v2m.needsDeviceId());
    }

    @Test
    void onlyWordReadsAreAnswered() {
        assertEquals(0, read(Gicv2m.MSI_TYPER, 2));
        assertEquals(0, read(Gicv2m.MSI_TYPER, 8));
        assertEquals(2, v2m.badReads());
    }

    @Test
    void wordAndHalfwordWritesRaiseTheSpi() {
        assertEquals(MemResult.OK, setSpi(4, 80).result);
        assertEquals(80, gic.acknowledge(0));
        gic.endOfInterrupt(0, 80);
        setSpi(2, 143);
        assertEquals(143, gic.acknowledge(0));
        assertEquals(2, v2m.counters().delivered());
    }

    @Test
    void byteAndDoublewordWritesAreCountedDrops() {
        setSpi(1, 80);
        setSpi(8, 80);
        assertEquals(2, v2m.counters().dropped(DropReason.BAD_ACCESS_SIZE));
        assertFalse(gic.isPending(80, 0));
    }

    @Test
    void valuesOutsideTheFrameAreIgnoredAndCounted() {
        setSpi(4, 79);
        setSpi(4, 144);
        setSpi(4, 40);
        assertEquals(3, v2m.counters().dropped(DropReason.SPI_OUT_OF_RANGE));
        assertFalse(gic.isPending(79, 0));
        assertFalse(gic.isPending(40, 0));
    }

    @Test
    void valueIsMaskedToTenBits() {
        setSpi(4, 0x400 | 90);
        assertTrue(gic.isPending(90, 0));
    }

    @Test
    void anyWriterCanRaiseAnySpiOfTheFrame() {
        MemoryTransaction t = tx(true, Gicv2m.MSI_SETSPI_NS, 4, 100).from(0x0100);
        t.deviceId = 0x0100;
        mmio.access(t);
        sent++;
        MemoryTransaction u = tx(true, Gicv2m.MSI_SETSPI_NS, 4, 101).from(0x0200);
        mmio.access(u);
        sent++;
        assertTrue(gic.isPending(100, 0));
        assertTrue(gic.isPending(101, 0));
    }

    @Test
    void pulseOnALevelConfiguredSpiLeavesNothingPending() {
        gic.region(0).access(tx(true, 0xC00 + (110 / 16) * 4, 4, 0));
        setSpi(4, 110);
        assertFalse(gic.isPending(110, 0), "an MSI is an edge: a level SPI sees a pulse");
        assertEquals(1, v2m.counters().delivered());
    }

    @Test
    void unboundGicIsACountedDrop() {
        ctx.unbind(ctx.node().parent());
        setSpi(4, 80);
        assertEquals(1, v2m.counters().dropped(DropReason.NO_INTERRUPT_CONTROLLER));
    }

    @Test
    void treePropertiesOverrideTheRange() throws BindException {
        DtNode frame = DeviceTrees.qemuVirtGicv2(1).child("intc@8000000").child("v2m@8020000");
        frame.put(DtProperty.ofCells("arm,msi-base-spi", 64));
        frame.put(DtProperty.ofCells("arm,msi-num-spis", 32));
        Gicv2m m = (Gicv2m) new Gicv2mDriver().create(new FakeBindContext(frame));
        MemoryTransaction t = tx(false, Gicv2m.MSI_TYPER, 4, 0);
        m.region(0).access(t);
        assertEquals((64L << 16) | 32, t.data);
    }

    @Test
    void badTreeRangesAreRefused() {
        DtNode frame = DeviceTrees.qemuVirtGicv2(1).child("intc@8000000").child("v2m@8020000");
        frame.put(DtProperty.ofCells("arm,msi-base-spi", 1000));
        frame.put(DtProperty.ofCells("arm,msi-num-spis", 64));
        assertThrows(BindException.class, () -> new Gicv2mDriver().create(new FakeBindContext(frame)));
        frame.put(DtProperty.ofCells("arm,msi-base-spi", 16));
        assertThrows(BindException.class, () -> new Gicv2mDriver().create(new FakeBindContext(frame)));
        frame.remove("arm,msi-num-spis");
        assertThrows(BindException.class, () -> new Gicv2mDriver().create(new FakeBindContext(frame)));
    }

    private Gicv2m withIidr(long value) throws BindException {
        Gicv2mDriver d = new Gicv2mDriver();
        d.configure(new Gicv2mDriver.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return Gicv2mDriver.Config.class;
            }

            @Override
            public long iidr() {
                return value;
            }
        });
        return (Gicv2m) d.create(ctx);
    }

    @Test
    void anXGeneFrameTakesTheOffsetFromItsFirstSpiAsData() throws BindException {
        Gicv2m xgene = withIidr(0x06000170L);
        MemoryTransaction t = tx(true, Gicv2m.MSI_SETSPI_NS, 4, 5).asMsi();
        xgene.region(0).access(t);
        assertEquals(1, gic.deliveries(85), "data 5 raises INTID 80 + 5");
        assertEquals(1, ctx.msiLedger().delivered());
        xgene.region(0).access(tx(true, Gicv2m.MSI_SETSPI_NS, 4, 64).asMsi());
        assertEquals(1, ctx.msiLedger().dropped(DropReason.SPI_OUT_OF_RANGE), "offset 64 is past the frame");
        assertTrue(xgene.description().contains("SPI - 80 (X-Gene)"), xgene.description());
    }

    @Test
    void aBroadcomNs2FrameTakesTheSpiMinus32AsData() throws BindException {
        Gicv2m ns2 = withIidr(0x0000013FL);
        ns2.region(0).access(tx(true, Gicv2m.MSI_SETSPI_NS, 4, 100 - 32).asMsi());
        assertEquals(1, gic.deliveries(100));
        ns2.region(0).access(tx(true, Gicv2m.MSI_SETSPI_NS, 4, 120).asMsi());
        assertEquals(0, gic.deliveries(152), "data 120 is SPI 152, outside the frame (80..143)");
        assertEquals(1, ctx.msiLedger().dropped(DropReason.SPI_OUT_OF_RANGE));
    }

    @Test
    void iidrOverrideExposesTheXGeneQuirk() throws BindException {
        Gicv2mDriver d = new Gicv2mDriver();
        d.configure(new Gicv2mDriver.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return Gicv2mDriver.Config.class;
            }

            @Override
            public long iidr() {
                return 0x06000170L;
            }
        });
        Gicv2m m = (Gicv2m) d.create(new FakeBindContext(DeviceTrees.qemuVirtGicv2(1).child("intc@8000000").child("v2m@8020000")));
        MemoryTransaction t = tx(false, Gicv2m.MSI_IIDR, 4, 0);
        m.region(0).access(t);
        assertEquals(0x06000170L, t.data);
    }

    @Test
    void anMsiIsRecordedOnceInTheMachineLedgerAndUnmarked() {
        MemoryTransaction t = tx(true, Gicv2m.MSI_SETSPI_NS, 4, 81).asMsi();
        mmio.access(t);
        sent++;
        assertFalse(t.msi, "accounted for here: later hops must not count it again");
        assertEquals(1, ctx.msiLedger().delivered());
        MemoryTransaction bad = tx(true, Gicv2m.MSI_SETSPI_NS, 4, 20).asMsi();
        mmio.access(bad);
        sent++;
        assertEquals(1, ctx.msiLedger().dropped(DropReason.SPI_OUT_OF_RANGE));
        setSpi(4, 82); // a CPU's write is no MSI: the frame counts it, the ledger does not
        assertEquals(2, ctx.msiLedger().fired());
        assertEquals(3, v2m.counters().fired());
        MemoryTransaction other = tx(true, 0x100, 4, 81).asMsi();
        mmio.access(other);
        assertTrue(other.msi, "not the doorbell register: left for the port to account for");
    }
}
