package org.trapdoor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.model.ModelRef;

class FakeBindContextTest {
    static final class Model implements DeviceModel {
        @Override
        public MmioHandler region(int index) {
            return tx -> { };
        }
    }

    final DtNode root = new DtNode("", null);
    final DtNode gic = new DtNode("intc@8000000", root);
    final DtNode frame = new DtNode("v2m@8020000", gic);

    @Test
    void aRefFollowsBindAndUnbindOfItsTarget() {
        FakeBindContext ctx = new FakeBindContext(frame);
        ModelRef<Model> ref = ctx.ref(gic, Model.class);
        assertNull(ref.get());
        Model m = new Model();
        ctx.bind(gic, m);
        assertSame(m, ref.get());
        assertNull(ctx.ref(frame, Model.class).get(), "other targets stay unbound");
        ctx.unbind(gic);
        assertNull(ref.get());
        assertSame(frame, ctx.lastRefTarget());
        assertEquals(Model.class, ctx.lastRefKind());
    }

    @Test
    void refusedRefsThrowWithTheReason() {
        FakeBindContext ctx = new FakeBindContext(frame).refuseRefs("no refs here");
        UnsupportedOperationException e =
                assertThrows(UnsupportedOperationException.class, () -> ctx.ref(gic, Model.class));
        assertEquals("no refs here", e.getMessage());
    }

    @Test
    void holdsItsNodeMemoryAndOneLedger() {
        ArrayRam ram = new ArrayRam(0, 64);
        FakeBindContext ctx = new FakeBindContext(frame, ram.asAddressSpace(), ram);
        assertSame(frame, ctx.node());
        assertSame(ram, ctx.memory());
        assertSame(ram.asAddressSpace(), ctx.system());
        assertSame(ctx.msiLedger(), ctx.msiLedger());
    }
}
