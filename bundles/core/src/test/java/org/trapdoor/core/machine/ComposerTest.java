package org.trapdoor.core.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trapdoor.core.Trees.node;
import static org.trapdoor.core.Trees.reg;
import static org.trapdoor.core.Trees.str;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.core.Trees;

class ComposerTest {
    private static final long DEV = 0x0900_0000L;
    private static final long OTHER = 0x0a00_0000L;

    private final DtNode root = Trees.root();
    private final DtNode dev = node(root, "dev@9000000", str("compatible", "acme,dev-v2", "acme,dev"), reg(DEV, 0x1000));
    private final DtNode other = node(root, "other@a000000", str("compatible", "acme,other"), reg(OTHER, 0x1000));
    private final DtNode off = node(root, "off@b000000", str("compatible", "acme,dev"), reg(0x0b00_0000L, 0x1000),
            str("status", "disabled"));

    private ComposedMachine machine() {
        other.addLabel("other");
        return new ComposedMachine(Trees.tree(root));
    }

    private static String driverOf(ComposedMachine m, String path) {
        return m.node(path).driver();
    }

    @Test
    void firstCompatibleStringThatAnyDriverHandlesWinsOverRanking() {
        ComposedMachine m = machine();
        m.addDriver(new FakeDriver("generic", "acme,dev"), 100, "test");
        assertEquals("generic", driverOf(m, "/dev@9000000"));
        m.addDriver(new FakeDriver("specific", "acme,dev-v2"), 0, "test");
        assertEquals("specific", driverOf(m, "/dev@9000000"), "the node's more specific string decides first");
    }

    @Test
    void highestRankingWinsForTheSameStringAndTheOlderOnATie() {
        ComposedMachine m = machine();
        FakeDriver a = new FakeDriver("a", "acme,dev");
        FakeDriver b = new FakeDriver("b", "acme,dev");
        FakeDriver c = new FakeDriver("c", "acme,dev");
        m.addDriver(a, 5, "test");
        m.addDriver(b, 5, "test");
        assertEquals("a", driverOf(m, "/dev@9000000"));
        m.addDriver(c, 6, "test");
        assertEquals("c", driverOf(m, "/dev@9000000"));
        m.updateDriver(a, 7);
        assertEquals("a", driverOf(m, "/dev@9000000"), "a ranking change re-binds");
    }

    @Test
    void explicitBindPinsUnbindPinsUnboundAndAutoBindUnpins() {
        ComposedMachine m = machine();
        m.addDriver(new FakeDriver("best", "acme,dev"), 10, "test");
        m.addDriver(new FakeDriver("alt", "acme,dev"), 0, "test");
        m.bind("/dev@9000000", "alt");
        assertEquals("alt", driverOf(m, "/dev@9000000"));
        m.addDriver(new FakeDriver("better", "acme,dev"), 20, "test");
        assertEquals("alt", driverOf(m, "/dev@9000000"), "a pinned node ignores better drivers");
        m.unbind("/dev@9000000");
        assertEquals(NodeState.UNBOUND, m.node("/dev@9000000").state());
        m.removeDriver(new FakeDriver("unrelated", "x"));
        m.addDriver(new FakeDriver("best2", "acme,dev"), 30, "test");
        assertEquals(NodeState.UNBOUND, m.node("/dev@9000000").state(), "unbind stays until autoBind");
        m.autoBind("/dev@9000000");
        assertEquals("best2", driverOf(m, "/dev@9000000"));
    }

    @Test
    void bindAcceptsLabelsAndRefusesUnknownNodesDriversAndDisabledNodes() {
        ComposedMachine m = machine();
        m.addDriver(new FakeDriver("o", "acme,other"), 0, "test");
        m.unbind("other");
        assertEquals(NodeState.UNBOUND, m.node("/other@a000000").state());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.bind("/nope", "o"));
        assertTrue(e.getMessage().contains("/nope"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.bind("other", "nosuch"));
        assertTrue(e.getMessage().contains("nosuch") && e.getMessage().contains("o"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.unbind("/off@b000000"));
        assertTrue(e.getMessage().contains("disabled"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.autoBind("missing"));
    }

    @Test
    void disabledNodesAreNeitherBoundNorMapped() {
        ComposedMachine m = machine();
        m.addDriver(new FakeDriver("d", "acme,dev"), 0, "test");
        assertEquals(NodeState.DISABLED, m.node("/off@b000000").state());
        assertEquals(MemResult.DECODE_ERROR, m.system().write(0x0b00_0000L, 4, 1));
        assertEquals(1, m.unmappedAccesses());
        assertEquals(0, m.node("/off@b000000").unboundAccesses());
    }

    @Test
    void driversComingAndGoingRebindTheNodesConcerned() {
        ComposedMachine m = machine();
        FakeDriver low = new FakeDriver("low", "acme,dev");
        FakeDriver high = new FakeDriver("high", "acme,dev");
        m.addDriver(low, 0, "test");
        FakeDriver.Model first = low.created.get(0);
        m.addDriver(high, 10, "test");
        assertEquals("high", driverOf(m, "/dev@9000000"));
        assertTrue(first.closed);
        m.removeDriver(high);
        assertEquals("low", driverOf(m, "/dev@9000000"));
        assertEquals(2, low.created.size());
        m.removeDriver(low);
        assertEquals(NodeState.UNBOUND, m.node("/dev@9000000").state());
        assertTrue(low.created.get(1).closed);
        List<DriverInfo> drivers = m.drivers();
        assertTrue(drivers.isEmpty());
    }

    @Test
    void greedyReplacementBindsTheNewDriverBeforeTheOldIsRemoved() {
        ComposedMachine m = machine();
        FakeDriver v1 = new FakeDriver("dev", "acme,dev");
        FakeDriver v2 = new FakeDriver("dev", "acme,dev");
        m.addDriver(v1, 0, "bundle 1.0");
        m.system().write(DEV, 4, 42);
        m.addDriver(v2, 0, "bundle 1.1");
        m.removeDriver(v1);
        assertEquals(NodeState.BOUND, m.node("/dev@9000000").state());
        List<DriverInfo> drivers = m.drivers();
        assertEquals(1, drivers.size());
        assertEquals("bundle 1.1", drivers.get(0).origin());
        assertEquals(List.of("/dev@9000000"), drivers.get(0).boundNodes());
        assertTrue(v1.created.get(0).closed);
        assertEquals(42, m.system().read(DEV, 4), "state followed the swap");
        assertEquals(0, m.node("/dev@9000000").unboundAccesses());
    }

    @Test
    void unboundTrafficGetsAllOnesAndDroppedWritesAndIsCountedPerNode() {
        ComposedMachine m = machine();
        MemoryTransaction tx = new MemoryTransaction().read(DEV + 0x10, 4);
        m.system().access(tx);
        assertEquals(MemResult.DECODE_ERROR, tx.result);
        assertEquals(0xffff_ffffL, tx.data);
        assertEquals(MemResult.DECODE_ERROR, m.system().write(DEV, 4, 7));
        NodeInfo info = m.node("/dev@9000000");
        assertEquals(NodeState.UNBOUND, info.state());
        assertEquals(2, info.unboundAccesses());
        assertEquals(0, m.unmappedAccesses(), "the node's region decodes: not an unmapped access");
        assertEquals(0, m.node("/other@a000000").unboundAccesses());
    }

    @Test
    void stateIsHandedOverToAReplacementForTheSameHardware() {
        ComposedMachine m = machine();
        FakeDriver a = new FakeDriver("a", "acme,dev");
        FakeDriver b = new FakeDriver("b", "acme,dev");
        m.addDriver(a, 0, "test");
        m.system().write(DEV, 4, 0x1234);
        m.addDriver(b, 1, "test");
        FakeDriver.Model nb = b.created.get(0);
        assertEquals(0x1234L, nb.restored);
        assertEquals(0x1234, m.system().read(DEV, 4));
        assertTrue(a.created.get(0).closed);
    }

    @Test
    void aSameKindReplacementIsPublishedWithTheStateAlreadyRestored() {
        ComposedMachine m = machine();
        FakeDriver a = new FakeDriver("a", "acme,dev");
        FakeDriver b = new FakeDriver("b", "acme,dev");
        m.addDriver(a, 0, "test");
        m.system().write(DEV, 4, 0x1234);
        long[] seenAtRestore = new long[1];
        // Still a's model published when b's model takes the state: no one sees b in its reset state.
        b.onRestore = () -> seenAtRestore[0] = "a".equals(m.node("/dev@9000000").driver()) ? 1 : 0;
        m.addDriver(b, 1, "test");
        assertEquals(1, seenAtRestore[0], "the state was restored before the new model was published");
        assertEquals(0x1234, m.system().read(DEV, 4));
    }

    @Test
    void aWriteToTheOldModelThatRacesWithASameKindSwapIsCarriedOver() {
        ComposedMachine m = machine();
        FakeDriver a = new FakeDriver("a", "acme,dev");
        FakeDriver b = new FakeDriver("b", "acme,dev");
        m.addDriver(a, 0, "test");
        m.system().write(DEV, 4, 0x1234);
        // Between the copy and the publish, a CPU's write still reaches the old model.
        b.onRestore = () -> {
            b.onRestore = null;
            a.created.get(0).scratch = 0x5678;
        };
        m.addDriver(b, 1, "test");
        assertEquals(0x5678, m.system().read(DEV, 4), "copied again after the drain");
        assertTrue(a.created.get(0).closed);
    }

    @Test
    void noStateIsHandedOverBetweenDifferentKindsOfHardware() {
        ComposedMachine m = machine();
        FakeDriver v1 = new FakeDriver("v1", "acme,dev");
        FakeDriver v2 = new FakeDriver("v2", "acme,dev-v2");
        m.addDriver(v1, 0, "test");
        m.system().write(DEV, 4, 0x55);
        m.addDriver(v2, 0, "test");
        assertNull(v2.created.get(0).restored);
        assertEquals(0, m.system().read(DEV, 4));
    }

    @Test
    void aFailingDriverLeavesTheNodeUnboundWithTheReason() {
        ComposedMachine m = machine();
        FakeDriver bad = new FakeDriver("bad", "acme,dev");
        bad.failWith = "reg 1 is missing";
        m.addDriver(bad, 0, "test");
        NodeInfo info = m.node("/dev@9000000");
        assertEquals(NodeState.UNBOUND, info.state());
        assertTrue(info.problem().contains("reg 1 is missing"), info.problem());
        FakeDriver crash = new FakeDriver("crash", "acme,dev");
        crash.throwRuntime = true;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.bind("/dev@9000000", "crash"));
        assertTrue(e.getMessage().contains("cannot bind") || e.getMessage().contains("no driver"), e.getMessage());
        m.addDriver(crash, 0, "test");
        e = assertThrows(IllegalArgumentException.class, () -> m.bind("/dev@9000000", "crash"));
        assertTrue(e.getMessage().contains("boom"), e.getMessage());
        assertEquals(NodeState.UNBOUND, m.node("/dev@9000000").state());
        assertTrue(m.node("/dev@9000000").problem().contains("crash failed"));
        m.addDriver(new FakeDriver("good", "acme,dev"), 0, "test");
        m.autoBind("/dev@9000000");
        assertEquals(NodeState.UNBOUND, m.node("/dev@9000000").state(), "bad still wins the match and still fails");
        m.removeDriver(bad);
        assertTrue(m.node("/dev@9000000").problem().contains("crash failed"), "crash is older than good: it is tried");
        m.removeDriver(crash);
        assertEquals("good", driverOf(m, "/dev@9000000"));
        assertNull(m.node("/dev@9000000").problem());
    }

    @Test
    void aModelThatThrowsOnAccessAbortsTheAccessAndIsReported() {
        ComposedMachine m = machine();
        HardwareDriver d = new HardwareDriver() {
            @Override
            public String name() {
                return "thrower";
            }

            @Override
            public List<String> compatibles() {
                return List.of("acme,other");
            }

            @Override
            public DeviceModel create(BindContext context) {
                return index -> tx -> {
                    throw new ArithmeticException("bug");
                };
            }
        };
        m.addDriver(d);
        MemoryTransaction tx = new MemoryTransaction().read(OTHER, 4);
        m.system().access(tx);
        assertEquals(MemResult.ABORT, tx.result);
        assertEquals(0xffff_ffffL, tx.data);
        assertTrue(m.node("other").problem().contains("bug"));
    }

    @Test
    void modelRefFollowsSwapsAndChecksTheKind() {
        ComposedMachine m = machine();
        FakeDriver user = new FakeDriver("user", "acme,other");
        FakeDriver a = new FakeDriver("a", "acme,dev");
        FakeDriver b = new FakeDriver("b", "acme,dev");
        m.addDriver(user);
        BindContext ctx = user.created.get(0).context;
        ModelRef<FakeDriver.Model> ref = ctx.ref(dev, FakeDriver.Model.class);
        assertNull(ref.get());
        assertSame(dev, ref.node());
        m.addDriver(a, 0, "test");
        assertSame(a.created.get(0), ref.get());
        m.addDriver(b, 5, "test");
        assertSame(b.created.get(0), ref.get());
        ModelRef<org.trapdoor.api.pci.HostBridge> wrongKind = ctx.ref(dev, org.trapdoor.api.pci.HostBridge.class);
        assertNull(wrongKind.get());
        assertEquals(0, ctx.pci().requesterIds().length);
        assertNotNull(ctx.system());
        assertNotNull(ctx.memory());
    }

    @Test
    void aSwapWaitsForTransactionsInFlightBeforeClosingTheOldModel() throws Exception {
        ComposedMachine m = machine();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean closedWhileInside = new AtomicBoolean();
        AtomicBoolean closed = new AtomicBoolean();
        HardwareDriver slow = new HardwareDriver() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public List<String> compatibles() {
                return List.of("acme,dev");
            }

            @Override
            public DeviceModel create(BindContext context) {
                MmioHandler h = tx -> {
                    inside.countDown();
                    try {
                        release.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    closedWhileInside.set(closed.get());
                    tx.data = 1;
                };
                return new DeviceModel() {
                    @Override
                    public MmioHandler region(int index) {
                        return h;
                    }

                    @Override
                    public void close() {
                        closed.set(true);
                    }
                };
            }
        };
        m.addDriver(slow);
        Thread cpu = new Thread(() -> m.system().read(DEV, 4));
        cpu.start();
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        Thread swapper = new Thread(() -> m.addDriver(new FakeDriver("fast", "acme,dev"), 9, "test"));
        swapper.start();
        Thread.sleep(100);
        assertFalse(closed.get(), "the old model must not close while a transaction is inside it");
        // New transactions already go to the new model.
        assertEquals(0, m.system().read(DEV, 4));
        release.countDown();
        cpu.join(5000);
        swapper.join(5000);
        assertFalse(closedWhileInside.get());
        assertTrue(closed.get());
        assertEquals("fast", driverOf(m, "/dev@9000000"));
    }

    @Test
    void noTransactionReachesAClosedModelWhileDriversSwapUnderTraffic() throws Exception {
        ComposedMachine m = machine();
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong violations = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        HardwareDriver[] drivers = new HardwareDriver[2];
        for (int i = 0; i < 2; i++) {
            String name = "swap" + i;
            drivers[i] = new HardwareDriver() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public List<String> compatibles() {
                    return List.of("acme,dev");
                }

                @Override
                public DeviceModel create(BindContext context) {
                    AtomicBoolean closed = new AtomicBoolean();
                    MmioHandler h = tx -> {
                        if (closed.get()) {
                            violations.incrementAndGet();
                        }
                        tx.data = 1;
                    };
                    return new DeviceModel() {
                        @Override
                        public MmioHandler region(int index) {
                            return h;
                        }

                        @Override
                        public void close() {
                            closed.set(true);
                        }
                    };
                }
            };
        }
        m.addDriver(drivers[0]);
        Thread[] cpus = new Thread[2];
        for (int t = 0; t < cpus.length; t++) {
            cpus[t] = new Thread(() -> {
                MemoryTransaction tx = new MemoryTransaction();
                while (!stop.get()) {
                    m.system().access(tx.read(DEV, 4));
                    if (tx.result != MemResult.OK || tx.data != 1) {
                        violations.incrementAndGet();
                    }
                    done.incrementAndGet();
                }
            });
            cpus[t].start();
        }
        for (int i = 0; i < 200; i++) {
            // Greedy order: the replacement arrives before the old one leaves.
            m.addDriver(drivers[(i + 1) % 2], 0, "test");
            m.removeDriver(drivers[i % 2]);
        }
        stop.set(true);
        for (Thread t : cpus) {
            t.join(5000);
        }
        assertEquals(0, violations.get());
        assertTrue(done.get() > 0);
        assertEquals(0, m.node("/dev@9000000").unboundAccesses(), "a greedy swap never leaves the node unbound");
    }

    @Test
    void closingTheMachineClosesEveryModelAndUnmapsTheNodes() {
        ComposedMachine m = machine();
        FakeDriver d = new FakeDriver("d", "acme,dev");
        m.addDriver(d);
        m.close();
        assertTrue(d.created.get(0).closed);
        assertEquals(MemResult.DECODE_ERROR, m.system().write(DEV, 4, 0));
        assertEquals(1, m.unmappedAccesses());
    }
}
