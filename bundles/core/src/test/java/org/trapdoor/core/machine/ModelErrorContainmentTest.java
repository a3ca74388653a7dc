package org.trapdoor.core.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trapdoor.core.Trees.node;
import static org.trapdoor.core.Trees.reg;
import static org.trapdoor.core.Trees.str;

import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.core.Trees;

/** A model that fails with an Error, not an exception, costs its access only (issue 9). */
class ModelErrorContainmentTest {
    private static final long DEV = 0x0900_0000L;

    /** A driver whose model answers reads and fails every write with what {@code error} makes. */
    private static HardwareDriver failing(Supplier<Throwable> error) {
        return new HardwareDriver() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public List<String> compatibles() {
                return List.of("acme,dev");
            }

            @Override
            public DeviceModel create(BindContext context) {
                MmioHandler h = (MemoryTransaction tx) -> {
                    if (!tx.write) {
                        tx.data = 0x5a;
                        return;
                    }
                    Throwable t = error.get();
                    if (t instanceof Error e) {
                        throw e;
                    }
                    throw (RuntimeException) t;
                };
                return new DeviceModel() {
                    @Override
                    public MmioHandler region(int index) {
                        return h;
                    }

                    @Override
                    public String summary() {
                        return "failing model";
                    }
                };
            }
        };
    }

    private static void check(Supplier<Throwable> error, String name) {
        DtNode root = Trees.root();
        node(root, "dev@9000000", str("compatible", "acme,dev"), reg(DEV, 0x1000));
        try (ComposedMachine m = new ComposedMachine(Trees.tree(root))) {
            m.addDriver(failing(error), 0, "test");
            assertEquals(MemResult.ABORT, m.system().write(DEV, 4, 1), name + ": the write aborts");
            assertEquals(0x5a, m.system().read(DEV, 4), name + ": the model still answers the next access");
            String problem = m.node("/dev@9000000").problem();
            assertTrue(problem != null && problem.contains(name), name + " is reported on the node: " + problem);
        }
    }

    @Test
    void aStackOverflowErrorOfAModelAbortsTheAccessAndIsReportedOnTheNode() {
        check(StackOverflowError::new, "StackOverflowError");
    }

    @Test
    void aLinkageErrorOfAModelAbortsTheAccess() {
        check(() -> new NoClassDefFoundError("com/vendor/Gone"), "NoClassDefFoundError");
    }

    @Test
    void aRuntimeExceptionOfAModelAbortsTheAccess() {
        check(() -> new IllegalStateException("boom"), "IllegalStateException");
    }
}
