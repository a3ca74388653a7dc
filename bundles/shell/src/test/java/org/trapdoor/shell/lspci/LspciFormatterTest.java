package org.trapdoor.shell.lspci;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

class LspciFormatterTest {
    private static String run(List<ConfigImage> images, String... args) {
        return new LspciFormatter(LspciOptions.parse(args), LspciFormatterTest::sizes).format(images);
    }

    private static long sizes(ConfigImage f, int bar) {
        return f.vendorId() == 0x1234 ? (bar == 0 ? 0x1000 : bar == 2 ? 0x4000 : 0) : 0;
    }

    /** Reads a dump back the way pciutils' lib/dump.c does, checking every line's shape. */
    private static byte[] parseDump(String text, String header) {
        String[] lines = text.split("\n", -1);
        assertTrue(lines[0].startsWith(header + " "), lines[0]);
        byte[] out = new byte[4096];
        int len = 0;
        int i = 1;
        for (; i < lines.length && !lines[i].isEmpty(); i++) {
            String l = lines[i];
            assertTrue(l.matches("[0-9a-f]{2,3}:( [0-9a-f]{2}){16}"), "malformed dump line '" + l + "'");
            int off = Integer.parseInt(l.substring(0, l.indexOf(':')), 16);
            assertEquals(len, off, "offsets must follow each other");
            String[] bytes = l.substring(l.indexOf(':') + 2).split(" ");
            for (String b : bytes) {
                out[len++] = (byte) Integer.parseInt(b, 16);
            }
        }
        assertEquals("", lines[i], "a blank line ends the device");
        return java.util.Arrays.copyOf(out, len);
    }

    @Test
    void xxxxDumpIsTheFormatLspciFReadsBackByteForByte() {
        ConfigImage img = Images.testdev().at(0, 0, 0x08);
        String out = run(List.of(img), "-xxxx");
        assertTrue(out.startsWith("00:01.0 Unclassified device [00ff]: Technical Corp. Trapdoor test device (rev 01)\n"
                + "00: 34 12 e9 11 06 00 10 00 01 00 ff 00 00 00 00 00\n"), out);
        assertTrue(out.contains("\n100: 01 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00\n"));
        assertTrue(out.endsWith("ff0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n\n"));
        assertArrayEquals(img.bytes(), parseDump(out, "00:01.0"));
    }

    @Test
    void dumpLengthFollowsTheNumberOfXs() {
        ConfigImage img = Images.testdev().at(0, 0, 0x08);
        assertEquals(64, parseDump(run(List.of(img), "-x"), "00:01.0").length);
        assertEquals(256, parseDump(run(List.of(img), "-xxx"), "00:01.0").length);
        assertEquals(4096, parseDump(run(List.of(img), "-x", "-x", "-x", "-x"), "00:01.0").length);
        ConfigImage conventional = Images.header(0x1234, 0x0001, 0x020000, 0, 0).at(0, 0, 0x10);
        assertEquals(256, parseDump(run(List.of(conventional), "-xxxx"), "00:02.0").length);
    }

    @Test
    void devicesAreSeparatedByABlankLineAndDomainsShownWhenNonZero() {
        ConfigImage a = Images.testdev().at(0, 0, 0x08);
        ConfigImage b = Images.header(0x1b36, 0x0008, 0x060000, 0, 0).at(2, 0, 0x00);
        String out = run(List.of(a, b), "-x");
        String[] devices = out.split("\n\n");
        assertEquals(2, devices.length);
        assertTrue(devices[0].startsWith("0000:00:01.0 "), devices[0]);
        assertTrue(devices[1].startsWith("0002:00:00.0 Host bridge: Red Hat, Inc. QEMU PCIe Host bridge\n00: 36 1b"),
                devices[1]);
        assertArrayEquals(java.util.Arrays.copyOf(b.bytes(), 64), parseDump(devices[1] + "\n\n", "0002:00:00.0"));
    }

    @Test
    void terseLinesAndNumericIds() {
        ConfigImage a = Images.testdev().at(0, 0, 0x08);
        ConfigImage unknown = Images.header(0xabcd, 0x0001, 0x420000, 0, 0).at(0, 0, 0x10);
        ConfigImage knownVendor = Images.header(0x1b36, 0x7777, 0x020000, 2, 0).at(0, 0, 0x18);
        assertEquals("00:01.0 Unclassified device [00ff]: Technical Corp. Trapdoor test device (rev 01)\n"
                + "00:02.0 Class 4200: Device abcd:0001\n"
                + "00:03.0 Ethernet controller: Red Hat, Inc. Device 7777 (rev 02)\n", run(List.of(a, unknown, knownVendor)));
        assertEquals("00:01.0 00ff: 1234:11e9 (rev 01)\n", run(List.of(a), "-n"));
        assertEquals("00:03.0 Ethernet controller [0200]: Red Hat, Inc. Device 7777 [1b36:7777] (rev 02)\n",
                run(List.of(knownVendor), "-nn"));
    }

    @Test
    void verboseDecodesBarsMsiMsixAndExpress() {
        String out = run(List.of(Images.testdev().at(0, 0, 0x08)), "-v");
        String expected = """
                00:01.0 Unclassified device [00ff]: Technical Corp. Trapdoor test device (rev 01)
                \tSubsystem: Red Hat, Inc. Device 1100
                \tFlags: bus master, fast devsel, latency 0
                \tMemory at 10000000 (32-bit, non-prefetchable) [size=4K]
                \tMemory at 8000000000 (64-bit, prefetchable) [size=16K]
                \tCapabilities: [40] MSI: Enable+ Count=1/4 Maskable+ 64bit+
                \t\tAddress: 0000000008090040  Data: 0021
                \t\tMasking: 0000000e  Pending: 00000001
                \tCapabilities: [60] MSI-X: Enable- Count=8 Masked-
                \t\tVector table: BAR=2 offset=00000000
                \t\tPBA: BAR=2 offset=00000800
                \tCapabilities: [70] Express (v2) Endpoint, MSI 00
                \tCapabilities: [100] Advanced Error Reporting

                """;
        assertEquals(expected, out);
    }

    @Test
    void veryVerboseShowsControlStatusRegionsAndExtendedVersions() {
        String out = run(List.of(Images.testdev().at(0, 0, 0x08)), "-vv");
        assertTrue(out.contains("\tControl: I/O- Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- "
                + "FastB2B- DisINTx-\n"), out);
        assertTrue(out.contains("\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast"), out);
        assertTrue(out.contains("\tRegion 2: Memory at 8000000000 (64-bit, prefetchable) [size=16K]\n"), out);
        assertTrue(out.contains("\tCapabilities: [100 v1] Advanced Error Reporting\n"), out);
    }

    @Test
    void veryVerboseDecodesThePciExpressCapabilityAsPciutilsDoes() {
        Images i = Images.testdev().put(0x74, 4, 0x1000_84e1L).put(0x78, 2, 0x2810).put(0x7c, 4, 0x0411)
                .put(0x82, 2, 0x1011).put(0xa0, 2, 0x0001);
        String out = run(List.of(i.at(0, 0, 0x08)), "-vv");
        String expected = """
                \tCapabilities: [70] Express (v2) Endpoint, MSI 00
                \t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0, Latency L0s <512ns, L1 <4us
                \t\t\tExtTag+ AttnBtn- AttnInd- PwrInd- RBE+ FLReset+ SlotPowerLimit 0W
                \t\tDevCtl:\tCorrErr- NonFatalErr- FatalErr- UnsupReq-
                \t\t\tRlxdOrd+ ExtTag- PhantFunc- AuxPwr- NoSnoop+ FLReset-
                \t\t\tMaxPayload 128 bytes, MaxReadReq 512 bytes
                \t\tDevSta:\tCorrErr- NonFatalErr- FatalErr- UnsupReq- AuxPwr- TransPend-
                \t\tLnkCap:\tPort #0, Speed 2.5GT/s, Width x1, ASPM L0s, Exit Latency L0s <64ns
                \t\t\tClockPM- Surprise- LLActRep- BwNot- ASPMOptComp-
                \t\tLnkCtl:\tASPM Disabled; RCB 64 bytes, Disabled- CommClk-
                \t\t\tExtSynch- ClockPM- AutWidDis- BWInt- AutBWInt-
                \t\tLnkSta:\tSpeed 2.5GT/s, Width x1
                \t\t\tTrErr- Train- SlotClk+ DLActive- BWMgmt- ABWMgmt-
                \t\tDevCap2: Completion Timeout: Not Supported, TimeoutDis- NROPrPrP- LTR-
                \t\tDevCtl2: Completion Timeout: 50us to 50ms, TimeoutDis- LTR- OBFF Disabled
                \t\tLnkCtl2: Target Link Speed: 2.5GT/s, EnterCompliance- SpeedDis-
                \t\tLnkSta2: Current De-emphasis Level: -6dB
                \tCapabilities: [100 v1] Advanced Error Reporting
                """;
        assertTrue(out.contains(expected), out);
        assertFalse(run(List.of(i.at(0, 0, 0x08)), "-v").contains("DevCap"), "-v shows the type line only");
    }

    @Test
    void slotPowerLimitIsValueTimesScaleWithoutTrailingZeros() {
        assertEquals("0", ExpressCapability.watts(0, 0));
        assertEquals("25", ExpressCapability.watts(250, 1));
        assertEquals("0.75", ExpressCapability.watts(75, 2));
        assertEquals("0.001", ExpressCapability.watts(1, 3));
    }

    @Test
    void unassignedAndDisabledBarsAreMarked() {
        Images i = Images.header(0x1234, 0x11e9, 0x00ff00, 0, 0).put(0x10, 4, 0).put(0x14, 4, 0x1001);
        String out = run(List.of(i.at(0, 0, 0x08)), "-v");
        assertTrue(out.contains("\tMemory at <unassigned> (32-bit, non-prefetchable) [disabled] [size=4K]\n"), out);
        assertTrue(out.contains("\tI/O ports at 1000 [disabled]\n"), out);
    }

    @Test
    void loopingAndBrokenCapabilityChainsAreReported() {
        Images loop = Images.header(0x1234, 0x0001, 0x00ff00, 0, 0).put(6, 2, 0x10).put(0x34, 1, 0x40)
                .put(0x40, 1, 0x09).put(0x41, 1, 0x50).put(0x42, 1, 4).put(0x50, 1, 0x09).put(0x51, 1, 0x40).put(0x52, 1, 4);
        String out = run(List.of(loop.at(0, 0, 0x08)), "-v");
        assertTrue(out.contains("\tCapabilities: [40] Vendor Specific Information: Len=04 <?>\n"
                + "\tCapabilities: [50] Vendor Specific Information: Len=04 <?>\n"
                + "\tCapabilities: [40] <chain looped>\n"), out);
        Images broken = Images.header(0x1234, 0x0001, 0x00ff00, 0, 0).put(6, 2, 0x10).put(0x34, 1, 0x40)
                .put(0x40, 1, 0xff);
        assertTrue(run(List.of(broken.at(0, 0, 0x08)), "-v").contains("\tCapabilities: [40] <chain broken>\n"));
    }

    @Test
    void sizeUsesTheLargestExactUnit() {
        StringBuilder sb = new StringBuilder();
        LspciFormatter.size(sb, 0x1000);
        LspciFormatter.size(sb, 0x1800);
        LspciFormatter.size(sb, 0x20);
        LspciFormatter.size(sb, 1L << 36);
        LspciFormatter.size(sb, 0);
        assertEquals(" [size=4K] [size=6K] [size=32] [size=64G]", sb.toString());
    }

    @Test
    void treeShowsTheRootBusAndBridges() {
        ConfigImage host = Images.header(0x1b36, 0x0008, 0x060000, 0, 0).at(0, 0, 0x00);
        ConfigImage bridge = Images.header(0x1b36, 0x000c, 0x060400, 0, 1).put(0x18, 1, 0).put(0x19, 1, 1)
                .put(0x1a, 1, 1).at(0, 0, 0x10);
        ConfigImage below = Images.testdev().at(0, 1, 0x00);
        ConfigImage last = Images.testdev().at(0, 0, 0x18);
        assertEquals("-[0000:00]-+-00.0\n"
                + "           +-02.0-[01]----00.0\n"
                + "           \\-03.0\n", run(List.of(host, bridge, below, last), "-t"));
        assertEquals("-[0000:00]---01.0  Technical Corp. Trapdoor test device\n",
                run(List.of(Images.testdev().at(0, 0, 0x08)), "-tv"));
    }

    @Test
    void treeStartsWithBusZeroOfDomainZeroEvenWhenEmptyAsPciutilsDoes() {
        assertEquals("-+-[0000:00]-\n"
                + " \\-[0003:00]---01.0\n", run(List.of(Images.testdev().at(3, 0, 0x08)), "-t"));
    }

    @Test
    void verboseBridgeShowsBusNumbersAndWindows() {
        ConfigImage bridge = Images.header(0x1b36, 0x000c, 0x060400, 0, 1).put(0x18, 4, 0x00020100)
                .put(0x1c, 2, 0x1010).put(0x20, 4, 0x1010_1000L).put(0x24, 4, 0xfff1_0001L).put(0x28, 4, 0x80)
                .put(0x2c, 4, 0x0).at(0, 0, 0x10);
        String out = run(List.of(bridge), "-v");
        assertEquals("""
                00:02.0 PCI bridge: Red Hat, Inc. QEMU PCIe Root port (prog-if 00 [Normal decode])
                \tFlags: fast devsel
                \tBus: primary=00, secondary=01, subordinate=02, sec-latency=0
                \tI/O behind bridge: 1000-1fff [size=4K] [16-bit]
                \tMemory behind bridge: 10000000-101fffff [size=2M] [32-bit]
                \tPrefetchable memory behind bridge: [disabled] [64-bit]

                """, out);
    }

    @Test
    void tripleVerboseAlsoPrintsTheRegistersOfAClosedWindowAsPciutilsShowRangeDoes() {
        ConfigImage bridge = Images.header(0x1b36, 0x000c, 0x060400, 0, 1).put(0x18, 4, 0x00020100)
                .put(0x1c, 2, 0x1010).put(0x20, 4, 0x1010_1000L).put(0x24, 4, 0xfff1_0001L).put(0x28, 4, 0x80)
                .put(0x2c, 4, 0x0).at(0, 0, 0x10);
        String vv = run(List.of(bridge), "-vv");
        String vvv = run(List.of(bridge), "-vvv");
        assertTrue(vv.contains("\tPrefetchable memory behind bridge: [disabled] [64-bit]\n"), vv);
        assertTrue(vvv.contains("\tPrefetchable memory behind bridge: 0000008000000000-00000000ffffffff [disabled] [64-bit]\n"),
                vvv);
        assertTrue(vvv.contains("\tMemory behind bridge: 10000000-101fffff [size=2M] [32-bit]\n"), "an open window as at -vv");
        assertEquals(vv.replace("\tPrefetchable memory behind bridge: [disabled]",
                "\tPrefetchable memory behind bridge: 0000008000000000-00000000ffffffff [disabled]"), vvv,
                "the closed window is all -vvv adds here");
    }

    @Test
    void tripleVerboseKeepsThePciExpressDecodeOfDoubleVerbose() {
        ConfigImage f = Images.testdev().at(0, 0, 0x08);
        String vv = run(List.of(f), "-vv");
        String vvv = run(List.of(f), "-vvv");
        assertTrue(vv.contains("\t\tDevCap:\tMaxPayload"), vv);
        assertTrue(vv.contains("\t\tLnkSta:\tSpeed"), vv);
        assertEquals(vv, vvv, "an endpoint has no bridge window: -vvv shows what -vv does");
        assertFalse(run(List.of(f), "-v").contains("DevCap:"), "-v stops at the capability's type line");
    }

    @Test
    void treeWithSeveralDomainsListsEachRootBus() {
        ConfigImage a = Images.testdev().at(0, 0, 0x08);
        ConfigImage b = Images.testdev().at(1, 0, 0x08);
        assertEquals("-+-[0000:00]---01.0\n"
                + " \\-[0001:00]---01.0\n", run(List.of(a, b), "-t"));
    }
}
