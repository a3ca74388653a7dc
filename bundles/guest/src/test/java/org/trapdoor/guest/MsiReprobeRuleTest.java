package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MsiControllerChange;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.guest.MsiReprobeRule.Kind;

/** The decision alone, for every kind of change the machine reports. */
class MsiReprobeRuleTest {
    private static final String NODE = "/its";
    private final MsiController itsA = new Fake(true);
    private final MsiController itsB = new Fake(true);
    private final MsiController frame = new Fake(false);

    private static MsiControllerChange change(MsiController m, boolean sameKind, boolean handedOver) {
        return new MsiControllerChange(NODE, m, m == null ? null : "driver", sameKind, handedOver);
    }

    @Test
    void anUnbindNeverReprobes() {
        assertFalse(MsiReprobeRule.decide(Kind.ITS, itsA, change(null, false, false)).reprobe());
        assertFalse(MsiReprobeRule.decide(Kind.GICV2M, frame, change(null, false, false)).reprobe());
    }

    @Test
    void aSameKindModelThatTookTheStateOverDoesNotReprobe() {
        assertFalse(MsiReprobeRule.decide(Kind.ITS, itsA, change(itsB, true, true)).reprobe());
        assertFalse(MsiReprobeRule.decide(Kind.GICV2M, frame, change(new Fake(false), true, true)).reprobe());
    }

    @Test
    void aSameKindModelFromResetReprobes() {
        assertTrue(MsiReprobeRule.decide(Kind.ITS, itsA, change(itsB, false, false)).reprobe());
        assertTrue(MsiReprobeRule.decide(Kind.ITS, itsA, change(itsB, true, false)).reprobe(),
                "a failed hand-over leaves a reset ITS");
    }

    @Test
    void anotherKindReprobesEvenIfTheMachineSaysStateWentOver() {
        assertTrue(MsiReprobeRule.decide(Kind.ITS, itsA, change(frame, false, false)).reprobe());
        assertTrue(MsiReprobeRule.decide(Kind.GICV2M, frame, change(itsA, false, false)).reprobe());
        assertTrue(MsiReprobeRule.decide(Kind.GICV2M, frame, change(itsA, true, true)).reprobe(),
                "the domain's kind decides, not the machine's notion of kind");
    }

    @Test
    void theModelTheSetUpWasMadeOnIsNoReasonToReprobe() {
        assertFalse(MsiReprobeRule.decide(Kind.ITS, itsA, change(itsA, false, false)).reprobe());
    }

    @Test
    void aModelWhereTheHostHadNoDomainReprobes() {
        assertTrue(MsiReprobeRule.decide(null, null, change(itsA, false, false)).reprobe());
        assertTrue(MsiReprobeRule.decide(null, null, change(itsA, true, true)).reprobe());
    }

    private static final class Fake implements MsiController {
        private final boolean deviceIds;

        Fake(boolean deviceIds) {
            this.deviceIds = deviceIds;
        }

        @Override
        public MmioHandler region(int index) {
            return null;
        }

        @Override
        public long doorbellAddress(int deviceId) {
            return 0;
        }

        @Override
        public boolean needsDeviceId() {
            return deviceIds;
        }

        @Override
        public String description() {
            return deviceIds ? "EventID via ITT" : "SPI";
        }

        @Override
        public InterruptCounters counters() {
            return new InterruptCounters();
        }
    }
}
