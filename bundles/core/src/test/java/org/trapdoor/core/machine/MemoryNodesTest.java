package org.trapdoor.core.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.core.Trees;
import org.trapdoor.core.bus.Ram;
import org.trapdoor.devicetree.DeviceTreeService;

/**
 * RAM comes from the memory nodes: a bank the machine cannot hold is a {@link DeviceTreeException}
 * that names the node, its {@code reg} and where it was written, never an {@link Error} from
 * sizing the page directory (issue 9: a 2^57-byte node gave "Requested array size exceeds VM limit").
 */
class MemoryNodesTest {
    private static final DeviceTreeService LOADER = new DeviceTreeService();

    private static String dts(String memoryReg) {
        return "/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n\tmemory@40000000 {\n"
                + "\t\tdevice_type = \"memory\";\n\t\treg = " + memoryReg + ";\n\t};\n};\n";
    }

    private static DeviceTreeException refused(String memoryReg) {
        DeviceTree tree = LOADER.parseDts(dts(memoryReg), "mem.dts");
        return assertThrows(DeviceTreeException.class, () -> new ComposedMachine(tree).close());
    }

    @Test
    void aMemoryNodeOf2To57BytesIsAnErrorAtItsRegLine() {
        assertEquals("mem.dts:7:3: /memory@40000000: reg entry 0 (0x200000000000000 bytes at 0x40000000) "
                + "ends beyond the 48-bit physical address space RAM can occupy",
                refused("<0x0 0x40000000 0x2000000 0x0>").getMessage());
    }

    @Test
    void aBankThatWrapsIsAnErrorAtItsRegLine() {
        assertTrue(refused("<0xffffffff 0xfffff000 0x0 0x2000>").getMessage()
                .startsWith("mem.dts:7:3: /memory@40000000: reg entry 0 (0x2000 bytes at 0xfffffffffffff000) wraps"));
    }

    @Test
    void theSecondEntryIsNamedByItsIndex() {
        assertTrue(refused("<0x0 0x40000000 0x0 0x1000>, <0x10000 0x0 0x0 0x1000>").getMessage()
                .startsWith("mem.dts:7:3: /memory@40000000: reg entry 1 (0x1000 bytes at 0x1000000000000) ends beyond"));
    }

    @Test
    void overlappingBanksAreADeviceTreeError() {
        assertTrue(refused("<0x0 0x40000000 0x0 0x2000>, <0x0 0x40001000 0x0 0x1000>").getMessage()
                .startsWith("mem.dts: memory nodes: RAM bank 0x40001000+0x1000 overlaps"));
    }

    @Test
    void aBankReachingTheLastAddressBelowTheLimitIsRam() {
        DeviceTree tree = LOADER.parseDts(dts("<0x0 0x0 0x10000 0x0>"), "mem.dts");
        try (ComposedMachine m = new ComposedMachine(tree)) {
            assertTrue(m.ram().isRam(Ram.MAX_ADDRESS - 8, 8));
        }
    }

    @Test
    void ramItselfRefusesABankBeyondTheLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Ram(java.util.List.of(new long[] {0, Ram.MAX_ADDRESS + 0x1000})));
        assertTrue(e.getMessage().contains("ends beyond"), e.getMessage());
    }

    /** A tree built by hand has no reader to check it: decoding its reg still says what is wrong. */
    @Test
    void aHandMadeTreeWithAnAbsurdCellCountIsADeviceTreeError() {
        DtNode root = Trees.root();
        root.put(Trees.cells("#address-cells", 0x4000_0000L));
        Trees.node(root, "memory@0", Trees.str("device_type", "memory"), Trees.reg(0, 0x1000));
        DeviceTree tree = Trees.tree(root);
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> new ComposedMachine(tree).close());
        assertTrue(e.getMessage().startsWith("/: #address-cells must be one cell of at most 4"), e.getMessage());
    }
}
