package org.trapdoor.core.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trapdoor.core.Trees.node;
import static org.trapdoor.core.Trees.reg;
import static org.trapdoor.core.Trees.str;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MsiControllerChange;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.core.Trees;

/**
 * {@code MachineInterrupts.watchMsiControllers}: every change of the model on an
 * MSI-controller node is reported once, after it is published and outside the composer's lock,
 * saying whether the new model is of the same kind and carries on from the last one's state.
 */
class MsiControllerWatchTest {
    private static final String ITS = "/its@8080000";

    private final DtNode root = Trees.root();
    private final List<MsiControllerChange> heard = new ArrayList<>();
    private ComposedMachine m;
    private final Driver its = new Driver("its", "acme,its", true);
    private final Driver frame = new Driver("frame", "acme,frame", false);

    @BeforeEach
    void compose() {
        node(root, "its@8080000", str("compatible", "acme,its"), reg(0x0808_0000L, 0x20000),
                DtProperty.empty("msi-controller"));
        node(root, "dev@9000000", str("compatible", "acme,its"), reg(0x0900_0000L, 0x1000));
        m = new ComposedMachine(Trees.tree(root));
        m.watchMsiControllers(heard::add);
        m.addDriver(frame);
        m.addDriver(its);
    }

    @Test
    void aFirstBindIsReportedFromResetAndOnlyForMsiControllerNodes() {
        assertEquals(1, heard.size(), "the other node bound to the same driver is no MSI controller: " + heard);
        MsiControllerChange c = heard.get(0);
        assertEquals(ITS, c.node());
        assertSame(m.msiControllers().get(ITS), c.model());
        assertEquals("its", c.driver());
        assertFalse(c.sameKind());
        assertFalse(c.stateHandedOver());
    }

    @Test
    void unbindReportsNoModelAndRebindingTheSameKindCarriesOnFromTheParkedState() {
        heard.clear();
        m.unbind(ITS);
        assertEquals(1, heard.size());
        assertNull(heard.get(0).model());
        assertTrue(heard.get(0).unbound());
        assertFalse(heard.get(0).stateHandedOver());

        m.bind(ITS, "its");
        assertEquals(2, heard.size());
        MsiControllerChange c = heard.get(1);
        assertSame(m.msiControllers().get(ITS), c.model());
        assertTrue(c.sameKind());
        assertTrue(c.stateHandedOver(), "the state kept while unbound was handed to the new model");
        assertEquals("registers", its.created.get(its.created.size() - 1).restored);
    }

    @Test
    void aLiveSameDriverRebindHandsStateOver() {
        heard.clear();
        m.bind(ITS, "its");
        assertEquals(1, heard.size());
        assertTrue(heard.get(0).sameKind());
        assertTrue(heard.get(0).stateHandedOver());
        assertTrue(heard.get(0).model().needsDeviceId());
    }

    @Test
    void aCrossKindRePlugAndBackStartsFromResetEachTime() {
        heard.clear();
        m.bind(ITS, "frame");
        m.bind(ITS, "its");
        assertEquals(2, heard.size(), heard.toString());
        MsiControllerChange toFrame = heard.get(0);
        assertFalse(toFrame.model().needsDeviceId());
        assertFalse(toFrame.sameKind());
        assertFalse(toFrame.stateHandedOver());
        MsiControllerChange back = heard.get(1);
        assertTrue(back.model().needsDeviceId());
        assertFalse(back.sameKind(), "the last model was a frame");
        assertFalse(back.stateHandedOver(), "the ITS bound back starts from reset");
        assertNull(its.created.get(its.created.size() - 1).restored);
    }

    @Test
    void aStatelessModelRebindAfterUnbindStillCountsAsCarryingOn() {
        m.bind(ITS, "frame");
        m.unbind(ITS);
        heard.clear();
        m.bind(ITS, "frame");
        assertEquals(1, heard.size());
        assertTrue(heard.get(0).sameKind());
        assertTrue(heard.get(0).stateHandedOver(), "a frame keeps no registers, so nothing was lost");
    }

    @Test
    void aDriverGoingAwayAndComingBackIsReportedAsUnbindThenHandOver() {
        heard.clear();
        m.removeDriver(its);
        m.addDriver(its);
        // Without the ITS driver the frame driver does not match the node's compatible.
        assertEquals(2, heard.size(), heard.toString());
        assertNull(heard.get(0).model());
        assertTrue(heard.get(1).stateHandedOver());
    }

    @Test
    void listenersAreCalledOutsideTheComposerLockAndMayBindFromTheCallback() {
        List<String> seen = new ArrayList<>();
        List<String> readByOtherThread = new ArrayList<>();
        m.watchMsiControllers(c -> {
            seen.add(c.driver());
            // Another thread can take the composer's lock while the listener runs.
            Thread reader = new Thread(() -> readByOtherThread.add(m.node(ITS).driver()));
            reader.start();
            assertDoesNotHang(reader);
            if ("frame".equals(c.driver())) {
                m.bind(ITS, "its"); // a listener that reacts by re-binding: reported after, in order
            }
        });
        Thread t = new Thread(() -> m.bind(ITS, "frame"));
        t.start();
        assertDoesNotHang(t);
        assertEquals(List.of("frame", "its"), seen);
        assertEquals(List.of("frame", "its"), readByOtherThread, "the change was published before it was reported");
        assertEquals("its", m.node(ITS).driver());
    }

    @Test
    void aFailingListenerDoesNotStopTheOthersAndAClosedWatchHearsNothing() throws Exception {
        List<MsiControllerChange> second = new ArrayList<>();
        m.watchMsiControllers(c -> {
            throw new IllegalStateException("listener bug");
        });
        AutoCloseable w = m.watchMsiControllers(second::add);
        m.unbind(ITS);
        assertEquals(1, second.size());
        w.close();
        m.autoBind(ITS);
        assertEquals(1, second.size());
        assertThrows(IllegalArgumentException.class, () -> m.watchMsiControllers(null));
    }

    @Test
    void aFailedBindIsStillReportedAsTheNodeLosingItsModel() {
        heard.clear();
        its.failing = true;
        assertThrows(IllegalArgumentException.class, () -> m.bind(ITS, "its"));
        assertEquals(1, heard.size(), "the failed bind left the node unbound: " + heard);
        assertNull(heard.get(0).model());
    }

    private static void assertDoesNotHang(Thread t) {
        try {
            t.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertFalse(t.isAlive(), "the bind deadlocked");
    }

    /** MSI-controller models of one kind: an "ITS" keeps registers, a "frame" keeps none. */
    static final class Driver implements HardwareDriver {
        final String name;
        final String compatible;
        final boolean deviceIds;
        final List<Model> created = new ArrayList<>();
        boolean failing;

        Driver(String name, String compatible, boolean deviceIds) {
            this.name = name;
            this.compatible = compatible;
            this.deviceIds = deviceIds;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<String> compatibles() {
            return List.of(compatible);
        }

        @Override
        public DeviceModel create(BindContext context) {
            if (failing) {
                throw new IllegalStateException("no model today");
            }
            Model model = new Model(deviceIds);
            created.add(model);
            return model;
        }
    }

    static final class Model implements MsiController {
        final boolean deviceIds;
        final InterruptCounters counters = new InterruptCounters();
        Object restored;

        Model(boolean deviceIds) {
            this.deviceIds = deviceIds;
        }

        @Override
        public MmioHandler region(int index) {
            return null;
        }

        @Override
        public Object saveState() {
            return deviceIds ? "registers" : null;
        }

        @Override
        public void restoreState(Object state) {
            restored = state;
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
            return deviceIds ? "EventID" : "SPI";
        }

        @Override
        public InterruptCounters counters() {
            return counters;
        }
    }
}
