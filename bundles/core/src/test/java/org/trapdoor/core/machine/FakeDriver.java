package org.trapdoor.core.machine;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/** A driver whose models are one 32-bit scratch register per reg entry, tagged with the driver's name. */
class FakeDriver implements HardwareDriver {
    final String name;
    final List<String> compatibles;
    final List<Model> created = new ArrayList<>();
    String failWith;
    boolean throwRuntime;
    /** Run after a model of this driver restored handed-over state (a test's view of the swap's window). */
    Runnable onRestore;

    FakeDriver(String name, String... compatibles) {
        this.name = name;
        this.compatibles = List.of(compatibles);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> compatibles() {
        return compatibles;
    }

    @Override
    public DeviceModel create(BindContext context) throws BindException {
        if (failWith != null) {
            throw new BindException(context.node().path() + ": " + failWith);
        }
        if (throwRuntime) {
            throw new IllegalStateException("boom");
        }
        Model m = new Model(this, context);
        created.add(m);
        return m;
    }

    /** Reads return the scratch value; the high byte of every read is the model's tag. */
    static final class Model implements DeviceModel, MmioHandler {
        final FakeDriver driver;
        final BindContext context;
        volatile long scratch;
        boolean closed;
        Object restored;

        Model(FakeDriver driver, BindContext context) {
            this.driver = driver;
            this.context = context;
        }

        @Override
        public MmioHandler region(int index) {
            return this;
        }

        @Override
        public void access(MemoryTransaction tx) {
            if (tx.write) {
                scratch = tx.data;
            } else {
                tx.data = scratch;
            }
        }

        @Override
        public Object saveState() {
            return scratch;
        }

        @Override
        public void restoreState(Object state) {
            restored = state;
            if (state instanceof Long) {
                scratch = (Long) state;
            }
            if (driver.onRestore != null) {
                driver.onRestore.run();
            }
        }

        @Override
        public String summary() {
            return driver.name + " model";
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
