package org.trapdoor.hw.gicv3.its;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.testkit.ArrayRam;
import org.trapdoor.testkit.DeviceTrees;
import org.trapdoor.testkit.FakeBindContext;

class ItsDriverTest {
    FakeBindContext ctx;

    DtNode itsNode(String parentCompatible, long size) {
        DtNode root = DeviceTrees.root();
        DtNode intc = new DtNode("intc@8000000", root);
        intc.put(DtProperty.ofStrings("compatible", parentCompatible));
        intc.put(DtProperty.ofCells("#address-cells", 2));
        intc.put(DtProperty.ofCells("#size-cells", 2));
        intc.put(DtProperty.empty("ranges"));
        DtNode its = new DtNode("its@8080000", intc);
        its.put(DtProperty.ofStrings("compatible", "arm,gic-v3-its"));
        its.put(DtProperty.ofCells("reg", 0, 0x8080000, 0, size));
        return its;
    }

    BindContext context(DtNode node) {
        ctx = new FakeBindContext(node, null, new ArrayRam(0x4000_0000L, 0x1000));
        return ctx;
    }

    @Test
    void bindsUnderItsGicAndFindsItThroughTheParent() throws BindException {
        DtNode node = itsNode("arm,gic-v3", 0x20000);
        Its its = (Its) new ItsDriver().create(context(node));
        assertSame(node.parent(), ctx.lastRefTarget());
        assertEquals(InterruptController.class, ctx.lastRefKind());
        assertEquals(0x8080000L + 0x10040, its.doorbellAddress(0));
    }

    @Test
    void namesItselfAndTheCompatibleItBinds() {
        assertEquals("gicv3-its", new ItsDriver().name());
        assertEquals(java.util.List.of("arm,gic-v3-its"), new ItsDriver().compatibles());
    }

    @Test
    void refusesAFrameWithoutTheTranslationPage() {
        assertThrows(BindException.class, () -> new ItsDriver().create(context(itsNode("arm,gic-v3", 0x10000))));
    }

    @Test
    void refusesAParentThatIsNotAGicv3() {
        assertThrows(BindException.class, () -> new ItsDriver().create(context(itsNode("arm,cortex-a15-gic", 0x20000))));
    }
}
