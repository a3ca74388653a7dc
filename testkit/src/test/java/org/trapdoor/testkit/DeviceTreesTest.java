package org.trapdoor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;

class DeviceTreesTest {
    @Test
    void cpusCarryTheirAffinityAsReg() {
        DtNode root = DeviceTrees.root();
        DtNode cpus = DeviceTrees.cpusWithAffinity(root, 0, 0x101);
        assertSame(cpus, root.child("cpus"));
        assertEquals(2, root.property("#address-cells").cell(0));
        assertEquals(0x101, cpus.child("cpu@1").property("reg").cell(0));
        assertEquals(List.of("cpu"), cpus.child("cpu@0").property("device_type").strings());
    }

    @Test
    void aCountNumbersCpusFromZero() {
        DtNode cpus = DeviceTrees.cpus(DeviceTrees.root(), 3);
        assertEquals(2, cpus.child("cpu@2").property("reg").cell(0));
        assertEquals(0, cpus.property("#size-cells").cell(0));
    }
}
