package org.trapdoor.shell.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.iommu.IommuFault;

class IommuTopologyTest {
    @Test
    void recognisesBothSmmuGenerationsByCompatible() {
        assertEquals("smmuv3", IommuTopology.model(List.of("arm,smmu-v3")));
        assertEquals("smmuv2", IommuTopology.model(List.of("vendor,thing", "arm,mmu-500")));
        assertNull(IommuTopology.model(List.of("arm,gic-v3")));
    }

    @Test
    void streamRangesComeFromTheIommuMapsThatNameTheNode() {
        assertEquals(List.of(new IommuTopology.StreamRange(Fixtures.PCIE1, 0, 0x100, 0x100)),
                IommuTopology.streams(Fixtures.tree(), Fixtures.SMMU2));
        assertEquals(List.of(new IommuTopology.StreamRange(Fixtures.PCIE0, 0, 0, 0x100)),
                IommuTopology.streams(Fixtures.tree(), Fixtures.SMMU3));
    }

    @Test
    void aFaultBelongsToTheIommuOfItsGenerationThatItsStreamIdReaches() {
        List<IommuTopology.StreamRange> v3 = IommuTopology.streams(Fixtures.tree(), Fixtures.SMMU3);
        List<IommuTopology.StreamRange> v2 = IommuTopology.streams(Fixtures.tree(), Fixtures.SMMU2);
        assertTrue(IommuTopology.belongs(Fixtures.V3_TRANSLATION, "smmuv3", v3));
        assertFalse(IommuTopology.belongs(Fixtures.V3_TRANSLATION, "smmuv2", v2));
        assertTrue(IommuTopology.belongs(Fixtures.V2_TF, "smmuv2", v2));
        assertFalse(IommuTopology.belongs(Fixtures.V2_TF, "smmuv3", v3));
        // SID 0x1ff is in the MMU-500's range; a global fault has no context bank but is SMMUv2's.
        assertTrue(IommuTopology.belongs(Fixtures.V2_USF, "smmuv2", v2));
    }

    @Test
    void addedRecordsAreThoseAfterTheOverlapOfTwoHistoryWindows() {
        IommuFault a = Fixtures.V3_BAD_STE;
        IommuFault b = Fixtures.V2_TF;
        IommuFault c = Fixtures.V3_TRANSLATION;
        assertEquals(List.of(c), IommuTopology.added(List.of(a, b), List.of(a, b, c)));
        assertEquals(List.of(c), IommuTopology.added(List.of(a, b), List.of(b, c)));
        assertEquals(List.of(a), IommuTopology.added(List.of(a), List.of(a, a)));
        assertEquals(List.of(), IommuTopology.added(List.of(a, b), List.of(a, b)));
        assertEquals(List.of(c), IommuTopology.added(List.of(), List.of(c)));
    }
}
