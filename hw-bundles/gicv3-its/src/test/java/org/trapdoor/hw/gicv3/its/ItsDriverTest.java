package org.trapdoor.hw.gicv3.its;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.platform.DeviceModel;
import org.trapdoor.api.platform.ModelRef;

class ItsDriverTest {
    DtNode requestedTarget;
    Class<?> requestedKind;

    DtNode itsNode(String parentCompatible, long size) {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
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
        return new BindContext() {
            @Override
            public DtNode node() {
                return node;
            }

            @Override
            public AddressSpace system() {
                return null;
            }

            @Override
            public PhysicalMemory memory() {
                return new TestRam(0x4000_0000L, 0x1000);
            }

            @Override
            public <T extends DeviceModel> ModelRef<T> ref(DtNode target, Class<T> kind) {
                requestedTarget = target;
                requestedKind = kind;
                return new ModelRef<>() {
                    @Override
                    public T get() {
                        return null;
                    }

                    @Override
                    public DtNode node() {
                        return target;
                    }
                };
            }

            @Override
            public PciHierarchy pci() {
                return null;
            }
        };
    }

    @Test
    void bindsUnderItsGicAndFindsItThroughTheParent() throws BindException {
        DtNode node = itsNode("arm,gic-v3", 0x20000);
        Its its = (Its) new ItsDriver().create(context(node));
        assertSame(node.parent(), requestedTarget);
        assertEquals(InterruptController.class, requestedKind);
        assertEquals(0x8080000L + 0x10040, its.doorbellAddress(0));
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
