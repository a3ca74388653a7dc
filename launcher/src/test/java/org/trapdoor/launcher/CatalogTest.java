package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CatalogTest {
    @Test
    void aPresetIsDescribedByTheFirstSentenceOfItsLeadingComment() {
        assertEquals("a machine with a GIC (two frames), an SMMU",
                Catalog.describe("// Trapdoor preset \"x\": a machine with a GIC (two frames),\n// an SMMU. More text.\n/dts-v1/;\n"));
        assertEquals("plain", Catalog.describe("// plain.\n/ { };\n"));
        assertEquals("", Catalog.describe("/dts-v1/;\n"));
    }
}
