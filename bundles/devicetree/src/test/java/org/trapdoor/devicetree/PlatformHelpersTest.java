package org.trapdoor.devicetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtInterrupt;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.dt.RegEntry;

/** The API's device-tree helpers (reg translation, PCI ranges, bus-range, ID maps, phandle lists). */
class PlatformHelpersTest {
    private final DeviceTree features = Trees.dts("features.dts");

    private static DeviceTree pciTree(String hostBody) {
        return Trees.parse("""
                /dts-v1/;
                / {
                	#address-cells = <2>;
                	#size-cells = <2>;
                	its: its { msi-controller; #msi-cells = <1>; };
                	smmu: smmu { #iommu-cells = <1>; };
                	other: other { #iommu-cells = <1>; };
                	soc {
                		#address-cells = <2>;
                		#size-cells = <2>;
                		ranges = <0x0 0x0 0x40 0x0 0x1 0x0>;
                		pcie@0 {
                			#address-cells = <3>;
                			#size-cells = <2>;
                			device_type = "pci";
                """ + hostBody + """
                		};
                	};
                };
                """);
    }

    private static DtNode host(DeviceTree t) {
        return t.node("/soc/pcie@0");
    }

    @Test
    void regIsTranslatedThroughTheParentsRanges() {
        List<RegEntry> reg = features.find("&uart0").reg();
        assertEquals(List.of(new RegEntry(0x1000_9000L, 0x1000, null)), reg);
    }

    @Test
    void regOutsideEveryRangeIsAnError() {
        DeviceTree t = Trees.parse("""
                /dts-v1/;
                / { #address-cells = <1>; #size-cells = <1>;
                	bus { #address-cells = <1>; #size-cells = <1>; ranges = <0x0 0x1000 0x100>;
                		dev@200 { reg = <0x200 0x10>; };
                	};
                };
                """);
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> t.node("/bus/dev@200").reg());
        assertTrue(e.getMessage().contains("0x200 is outside every entry"), e.getMessage());
    }

    @Test
    void pciRangesDecodeSpaceCodesAndTranslateCpuAddresses() {
        DeviceTree t = pciTree("""
                ranges = <0x01000000 0x0 0x0 0x0 0x3eff0000 0x0 0x10000>,
                         <0x02000000 0x0 0x10000000 0x0 0x10000000 0x0 0x2eff0000>,
                         <0x43000000 0x80 0x0 0x0 0x80000000 0x0 0x40000000>,
                         <0x00000000 0x0 0x0 0x0 0x0 0x0 0x1000>;
                """);
        List<PciRange> r = host(t).pciRanges();
        assertEquals(4, r.size());
        assertEquals(new PciRange(PciRange.Space.IO, false, 0, 0x40_3eff_0000L, 0x10000, 0x0100_0000L), r.get(0));
        assertEquals(PciRange.Space.MEM32, r.get(1).space());
        assertEquals(0x40_1000_0000L, r.get(1).cpuAddress());
        assertEquals(PciRange.Space.MEM64, r.get(2).space());
        assertTrue(r.get(2).prefetchable());
        assertEquals(0x80_0000_0000L, r.get(2).pciAddress());
        assertEquals(0x40_8000_0000L, r.get(2).cpuAddress());
        assertEquals(0x4000_0000L, r.get(2).size());
        assertEquals(PciRange.Space.CONFIG, r.get(3).space());
        assertTrue(r.get(1).containsPci(0x1000_0000L, 0x1000));
        assertFalse(r.get(1).containsPci(0x3eff_0000L, 0x1000));
        assertEquals(0x40_1000_1000L, r.get(1).toCpu(0x1000_1000L));
    }

    @Test
    void bridgeRangesBehindAPciBusTranslateThroughTheHostRanges() {
        DeviceTree t = pciTree("""
                ranges = <0x02000000 0x0 0x10000000 0x0 0x10000000 0x0 0x1000000>;
                bridge@1,0 {
                	#address-cells = <3>;
                	#size-cells = <2>;
                	reg = <0x0800 0x0 0x0 0x0 0x0>;
                	ranges = <0x02000000 0x0 0x10100000 0x02000000 0x0 0x10100000 0x0 0x100000>;
                };
                """);
        PciRange r = t.node("/soc/pcie@0/bridge@1,0").pciRanges().get(0);
        assertEquals(0x1010_0000L, r.pciAddress());
        assertEquals(0x40_1010_0000L, r.cpuAddress());
    }

    @Test
    void pciRangesOfTheFixture() {
        List<PciRange> r = features.find("&pcie").pciRanges();
        assertEquals(List.of(PciRange.Space.IO, PciRange.Space.MEM32, PciRange.Space.MEM64),
                r.stream().map(PciRange::space).toList());
        assertEquals(0x80_0000_0000L, r.get(2).cpuAddress());
    }

    @Test
    void pciRangesWithAWrongLengthAreAnError() {
        DeviceTree t = pciTree("ranges = <0x02000000 0x0 0x0 0x0 0x0 0x0>;\n");
        assertThrows(DeviceTreeException.class, () -> host(t).pciRanges());
    }

    @Test
    void busRangeDefaultsToTheWholeSegment() {
        assertEquals(new BusRange(0, 255), host(pciTree("")).busRange());
        assertEquals(new BusRange(0, 0x1f), features.find("&pcie").busRange());
        assertEquals(32, features.find("&pcie").busRange().count());
    }

    @Test
    void malformedBusRangeIsAnError() {
        assertThrows(DeviceTreeException.class, () -> host(pciTree("bus-range = <5 2>;\n")).busRange());
        assertThrows(DeviceTreeException.class, () -> host(pciTree("bus-range = <0 256>;\n")).busRange());
        assertThrows(DeviceTreeException.class, () -> host(pciTree("bus-range = <0>;\n")).busRange());
    }

    @Test
    void identityMsiMap() {
        DeviceTree t = pciTree("msi-map = <0x0 &its 0x0 0x10000>;\n");
        IdMap.Result r = host(t).msiMap().map(0x0108);
        assertEquals(0x0108, r.id());
        assertSame(t.find("&its"), r.target());
        assertTrue(r.translated());
    }

    @Test
    void offsetMapsPickTheFirstMatchingEntry() {
        DeviceTree t = pciTree("iommu-map = <0x0 &smmu 0x1000 0x100>, <0x100 &other 0x2000 0x100>;\n");
        IdMap m = host(t).iommuMap();
        assertEquals(0x1010, m.map(0x10).id());
        IdMap.Result second = m.map(0x110);
        assertEquals(0x2010, second.id());
        assertSame(t.find("&other"), second.target());
        assertEquals(t.find("&other").phandle(), second.phandle());
    }

    @Test
    void aRequestedTargetSkipsEntriesForOtherTargets() {
        DeviceTree t = pciTree("iommu-map = <0x0 &smmu 0x1000 0x100>, <0x0 &other 0x2000 0x100>;\n");
        assertEquals(0x2010, host(t).iommuMap().map(0x10, t.find("&other")).id());
        assertEquals(0x1010, host(t).iommuMap().map(0x10).id());
    }

    @Test
    void maskIsAppliedBeforeMatchingAndToTheOutput() {
        // Xen: out = (rid & mask) - base + out-base.
        DeviceTree t = pciTree("msi-map = <0x0 &its 0x10 0x100>;\nmsi-map-mask = <0xff>;\n");
        assertEquals(0xff, host(t).msiMap().mask());
        assertEquals(0x10 + 0x34, host(t).msiMap().map(0x1234).id());
    }

    @Test
    void noMatchingEntryLeavesTheIdUnchanged() {
        DeviceTree t = pciTree("msi-map = <0x0 &its 0x0 0x100>;\n");
        IdMap.Result r = host(t).msiMap().map(0x300);
        assertEquals(0x300, r.id());
        assertNull(r.target());
        assertFalse(r.translated());
    }

    @Test
    void absentMapIsNull() {
        assertNull(host(pciTree("")).msiMap());
        assertNull(host(pciTree("")).iommuMap());
    }

    @Test
    void mapLengthNotAMultipleOf16BytesIsAnError() {
        DeviceTree t = pciTree("msi-map = <0x0 &its 0x0>;\n");
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> host(t).msiMap());
        assertTrue(e.getMessage().contains("bad msi-map length 12"), e.getMessage());
    }

    @Test
    void idBaseOutsideTheMaskIsAnError() {
        DeviceTree t = pciTree("iommu-map = <0x100 &smmu 0x0 0x100>;\niommu-map-mask = <0xff>;\n");
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> host(t).iommuMap().map(0x1));
        assertTrue(e.getMessage().contains("iommu-map-mask (0xff) ignores id-base (0x100)"), e.getMessage());
    }

    @Test
    void matchingEntryWithUnknownPhandleIsAnError() {
        DeviceTree t = pciTree("msi-map = <0x0 0x777 0x0 0x100>;\n");
        assertThrows(DeviceTreeException.class, () -> host(t).msiMap().map(0x1));
    }

    @Test
    void msiParentAndIommusCarryTheirArguments() {
        DtNode pcie = features.find("&pcie");
        List<PhandleRef> msi = pcie.msiParent();
        assertEquals(1, msi.size());
        assertSame(features.find("&its"), msi.get(0).node());
        assertArrayEquals(new long[] {0x42}, msi.get(0).args());
        List<PhandleRef> iommus = pcie.iommus();
        assertSame(features.find("&smmu"), iommus.get(0).node());
        assertEquals(7, iommus.get(0).arg(0));
    }

    @Test
    void iommusPointingAtANodeWithoutIommuCellsIsAnError() {
        DeviceTree t = pciTree("iommus = <&its 1>;\n");
        assertThrows(DeviceTreeException.class, () -> host(t).iommus());
    }

    @Test
    void interruptsAreSplitByTheInheritedParentsCells() {
        DtNode uart = features.find("&uart0");
        assertSame(features.find("&gic"), uart.interruptParent());
        List<DtInterrupt> irqs = uart.interrupts();
        assertEquals(1, irqs.size());
        assertArrayEquals(new long[] {0, 1, 4}, irqs.get(0).cells());
    }

    @Test
    void interruptsExtendedAndNames() {
        DeviceTree t = Trees.parse("""
                /dts-v1/;
                / {
                	a: a { #interrupt-cells = <1>; interrupt-controller; };
                	b: b { #interrupt-cells = <2>; interrupt-controller; };
                	dev { interrupts-extended = <&a 5>, <&b 6 7>; interrupt-names = "x", "y"; };
                	bad { interrupt-parent = <&b>; interrupts = <1 2 3>; };
                };
                """);
        List<DtInterrupt> irqs = t.node("/dev").interrupts();
        assertEquals("x", irqs.get(0).name());
        assertSame(t.find("&a"), irqs.get(0).parent());
        assertArrayEquals(new long[] {6, 7}, irqs.get(1).cells());
        assertThrows(DeviceTreeException.class, () -> t.node("/bad").interrupts());
    }

    @Test
    void memoryNodesGiveTheRamRegions() {
        assertEquals(List.of(new RegEntry(0x4000_0000L, 0x4000_0000L, null), new RegEntry(0x8_0000_0000L, 0x2000_0000L, null)),
                features.memory());
        assertTrue(features.node("/memory@40000000").isMemory());
    }
}
