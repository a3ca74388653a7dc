package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.testkit.ArrayRam;

/**
 * The GICv3's trace points as the trace documentation names them: {@code gicv3_set_pending}
 * (INTID, redistributor or -1 for an SPI, outcome: 0 accepted, else 1 + the drop reason),
 * {@code gicv3_ack} and {@code gicv3_eoi} (CPU, INTID); one record per event while on, none off.
 */
class Gicv3TraceTest extends Gicv3Fixture {
    RecordingTracing tracing;

    @BeforeEach
    void tracedGic() {
        tracing = new RecordingTracing();
        ram = new ArrayRam(RAM, 0x100000);
        gic = new Gicv3("gic", 256, affinities(), ram, tracing);
        gicd = gic.region(0);
        gicr = gic.region(1);
    }

    List<RecordingTracing.Rec> named(String name) {
        return tracing.records.stream().filter(r -> r.name().equals(name)).toList();
    }

    @Test
    void anSpiSetPendingAcknowledgeAndEoiAreEachOneRecord() {
        spi(40, 0x80);
        gic.raiseSpi(40);
        assertEquals(List.of(new RecordingTracing.Rec("gicv3_set_pending", 40, -1, 0)), named("gicv3_set_pending"));
        assertEquals(40, gic.acknowledge(0));
        assertEquals(List.of(new RecordingTracing.Rec("gicv3_ack", 0, 40, 0)), named("gicv3_ack"));
        gic.endOfInterrupt(0, 40);
        assertEquals(List.of(new RecordingTracing.Rec("gicv3_eoi", 0, 40, 0)), named("gicv3_eoi"));
    }

    @Test
    void aDroppedSetPendingCarriesItsReasonAndASpuriousAcknowledgeIsNotTraced() {
        gic.raiseSpi(1000);
        gic.pulseSpi(41); // disabled: pends, refused
        assertEquals(List.of(
                new RecordingTracing.Rec("gicv3_set_pending", 1000, -1, 1 + DropReason.SPI_OUT_OF_RANGE.ordinal()),
                new RecordingTracing.Rec("gicv3_set_pending", 41, -1, 1 + DropReason.INTERRUPT_DISABLED.ordinal())),
                named("gicv3_set_pending"));
        assertEquals(SPURIOUS, gic.acknowledge(0));
        assertTrue(named("gicv3_ack").isEmpty(), "nothing taken, nothing traced");
    }

    @Test
    void anLpiSetPendingNamesItsRedistributor() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 1, 1, 0x41);
        enableLpis(1, PEND, 16);
        gic.setLpiPending(8193, 1);
        gic.setLpiPending(8193, 1);
        assertEquals(List.of(new RecordingTracing.Rec("gicv3_set_pending", 8193, 1, 0),
                new RecordingTracing.Rec("gicv3_set_pending", 8193, 1, 1 + DropReason.COALESCED.ordinal())),
                named("gicv3_set_pending"));
    }

    @Test
    void switchedOffThePointsRecordNothing() {
        spi(40, 0x80);
        assertEquals(3, tracing.enable("*", false));
        gic.raiseSpi(40);
        assertEquals(40, gic.acknowledge(0));
        gic.endOfInterrupt(0, 40);
        assertTrue(tracing.records.isEmpty(), tracing.records.toString());
    }
}
