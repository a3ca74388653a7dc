package org.trapdoor.conformance;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import java.util.function.IntConsumer;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * The suites fail a bridge that gets ECAM wrong: one that decodes every bus of its window
 * whatever {@code bus-range} says, passes an 8-byte access through as one, takes any size and
 * alignment, and, swapped, forgets what it was told (here: whether config cycles are on).
 */
class HarnessCatchesBrokenModelsTest {
    /** Decodes offset bits as ECAM does and nothing else; off until a write to its register 0 of bus 255. */
    static final class NaiveBridge implements HostBridge, MmioHandler {
        private final PciHierarchy pci;
        private final boolean on;

        NaiveBridge(PciHierarchy pci, boolean on) {
            this.pci = pci;
            this.on = on;
        }

        @Override
        public MmioHandler region(int index) {
            return this;
        }

        @Override
        public void access(MemoryTransaction tx) {
            int bus = (int) (tx.offset >>> 20);
            int devfn = (int) (tx.offset >>> 12) & 0xff;
            int reg = (int) tx.offset & 0xfff;
            if (tx.write) {
                configWrite(bus, devfn, reg, tx.size, (int) tx.data);
            } else {
                tx.data = configRead(bus, devfn, reg, tx.size) & MemoryTransaction.allOnes(tx.size);
            }
        }

        @Override
        public int busStart() {
            return 0;
        }

        @Override
        public int busEnd() {
            return 7;
        }

        @Override
        public int configRead(int bus, int devfn, int offset, int size) {
            PciFunction f = pci.function(bus, devfn);
            return f == null || !on ? -1 : f.configRead(offset, Math.min(size, 4));
        }

        @Override
        public void configWrite(int bus, int devfn, int offset, int size, int value) {
            PciFunction f = pci.function(bus, devfn);
            if (f != null && on) {
                f.configWrite(offset, Math.min(size, 4), value);
            }
        }

        @Override
        public void outbound(MemoryTransaction tx) {
        }
    }

    static final class NaiveDriver implements HardwareDriver {
        private int created;

        @Override
        public String name() {
            return "naive";
        }

        @Override
        public List<String> compatibles() {
            return List.of("test,naive-ecam");
        }

        /** The first model is on; every later one starts off and is told nothing by saveState. */
        @Override
        public DeviceModel create(BindContext context) {
            return new NaiveBridge(context.pci(), created++ == 0);
        }
    }

    /** The suite on the naive bridge (anonymous, so the test engine does not run it on its own). */
    private static EcamConformance bound() throws Exception {
        NaiveDriver driver = new NaiveDriver();
        EcamConformance s = new EcamConformance() {
            @Override
            protected HardwareDriver driver() {
                return driver;
            }
        };
        s.bind();
        return s;
    }

    @Test
    void aBridgeThatDecodesBeyondBusRangeFails() throws Exception {
        EcamConformance s = bound();
        assertThrows(AssertionFailedError.class, s::busesOutsideBusRangeReadAllOnesEvenWithAFunctionPluggedThere);
    }

    @Test
    void aBridgeThatDoesNotSplitEightByteAccessesFails() throws Exception {
        EcamConformance s = bound();
        assertThrows(AssertionFailedError.class, s::anEightByteAccessIsTwoDwordsLowFirst);
    }

    @Test
    void aBridgeThatTakesBadSizesFails() throws Exception {
        EcamConformance s = bound();
        assertThrows(AssertionFailedError.class, s::badSizesAndMisalignedAccessesAreRefusedAndChangeNothing);
    }

    @Test
    void aBridgeThatLosesItsStateInASwapFails() throws Exception {
        EcamConformance s = bound();
        assertThrows(AssertionError.class, s::swapUnderConfigTrafficLosesNoWriteAndNoAnswer);
    }

    /** An MSI frame that wraps a vector beyond its 32 SPIs round instead of dropping it. */
    static final class WrappingFrame implements DeviceModel, MmioHandler {
        private final InterruptController gic;
        private final InterruptCounters ledger;

        WrappingFrame(InterruptController gic, InterruptCounters ledger) {
            this.gic = gic;
            this.ledger = ledger;
        }

        @Override
        public MmioHandler region(int index) {
            return this;
        }

        @Override
        public void access(MemoryTransaction tx) {
            if (tx.write && tx.offset == 0x40) {
                ledger.record(gic.pulseSpi(96 + (int) (tx.data & 31)));
                tx.msi = false;
            }
        }
    }

    @Test
    void aFrameThatWrapsAVectorBeyondItsSpisFails() throws Exception {
        HardwareDriver frames = new HardwareDriver() {
            @Override
            public String name() {
                return "wrapping";
            }

            @Override
            public List<String> compatibles() {
                return List.of("test,wrapping-frame");
            }

            @Override
            public DeviceModel create(BindContext context) {
                return new WrappingFrame(context.ref(context.node().interruptParent(), InterruptController.class).get(),
                        context.msiLedger());
            }
        };
        MsiConformance s = new MsiConformance() {
            @Override
            protected HardwareDriver driver() {
                return frames;
            }

            @Override
            protected Board board() {
                return new Board("msi@8020000", "test,wrapping-frame").reg(null, 0x0802_0000L, 0x1000);
            }

            @Override
            protected int vectors() {
                return 32;
            }

            @Override
            protected MemoryTransaction message(int vector) {
                return new MemoryTransaction().write(0x0802_0040L, 4, vector);
            }

            @Override
            protected void service(Rig rig, IntConsumer handled) {
                for (int id = rig.gic().acknowledge(0); id != InterruptController.SPURIOUS; id = rig.gic().acknowledge(0)) {
                    handled.accept(id - 96);
                }
            }
        };
        s.bind();
        assertThrows(AssertionFailedError.class, s::aVectorBeyondTheControllerIsDroppedCountedAndRaisesNothing);
    }
}
