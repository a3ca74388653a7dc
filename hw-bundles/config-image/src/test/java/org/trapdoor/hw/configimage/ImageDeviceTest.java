package org.trapdoor.hw.configimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.PciUpstream;

class ImageDeviceTest {
    private static String fixture(String name) {
        try {
            return Path.of(ImageDeviceTest.class.getResource("/dumps/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ImageDevice create(String name, Map<String, String> extra) {
        Map<String, String> options = new java.util.HashMap<>(extra);
        options.put("file", fixture(name));
        return (ImageDevice) new ImageDeviceFactory().create(options);
    }

    private static long sizeBar(ImageDevice d, int index) {
        int off = PciConfig.BAR0 + 4 * index;
        int saved = d.configRead(off, 4);
        d.configWrite(off, 4, -1);
        int mask = (saved & 1) != 0 ? PciConfig.BAR_IO_MASK : PciConfig.BAR_MEM_MASK;
        long v = d.configRead(off, 4) & mask & 0xffff_ffffL;
        d.configWrite(off, 4, saved);
        return v == 0 ? 0 : -(v | 0xffff_ffff_0000_0000L);
    }

    @Test
    void dumpedBytesReadBackAndIgnoreWrites() {
        ImageDevice d = create("e1000e-82574l.xxx", Map.of());
        assertEquals(0x10d38086, d.configRead(0, 4));
        assertEquals(0x02000000, d.configRead(PciConfig.REVISION_ID, 4));
        assertEquals(0xa01f8086, d.configRead(PciConfig.SUBSYSTEM_VENDOR_ID, 4));
        d.configWrite(0, 4, 0);
        d.configWrite(0xc8 + 4, 2, 0x0003);
        assertEquals(0x10d38086, d.configRead(0, 4));
        assertEquals(0x2000, d.configRead(0xc8 + 4, 2), "power management is read-only in an image");
        assertEquals(0, d.configRead(0x100, 4), "past a 256-byte dump reads 0");
        assertEquals(0, d.configRead(PciConfig.ROM_ADDRESS, 4));
    }

    @Test
    void commandAndStatusFollowTheStandard() {
        ImageDevice d = create("e1000e-82574l.xxx", Map.of());
        assertEquals(0x0407, d.configRead(PciConfig.COMMAND, 2));
        d.configWrite(PciConfig.COMMAND, 2, 0xffff);
        assertEquals(0x0547, d.configRead(PciConfig.COMMAND, 2));
        d.config().write(PciConfig.STATUS, 2, 0xffff);
        assertEquals(PciConfig.STATUS_CAP_LIST, d.configRead(PciConfig.STATUS, 2));
    }

    @Test
    void barSizesComeFromAlignmentUnlessGiven() {
        ImageDevice d = create("e1000e-82574l.xxx", Map.of("bar3", "16K"));
        assertEquals(0x20000, sizeBar(d, 0), "256 KiB aligned, but BAR3 starts 128 KiB above");
        assertNull(d.bar(1), "dumped as 0: not implemented");
        assertEquals(0, sizeBar(d, 1));
        assertEquals(256, sizeBar(d, 2), "I/O capped at 256 bytes");
        assertEquals(0xe001, d.configRead(PciConfig.BAR0 + 8, 4));
        assertEquals(0x4000, sizeBar(d, 3));
        assertEquals(0xfebe0000, d.configRead(PciConfig.BAR0 + 12, 4), "address restored after sizing");
    }

    @Test
    void memoryBarSizeIsCappedAt1MiBAnd64BitBarsSpanTwoSlots() {
        ImageDevice d = create("nvme-pm981.x", Map.of());
        assertEquals(PciConfig.BAR_MEM_TYPE_64, d.configRead(PciConfig.BAR0, 4) & 0xf);
        assertEquals(1 << 20, d.bar(0).size());
        assertNull(d.msi(), "lspci -x stops before the capabilities");
        ImageDevice small = create("nvme-pm981.x", Map.of("bar0", "0x4000"));
        assertEquals(0x4000, small.bar(0).size());
        small.configWrite(PciConfig.BAR0 + 4, 4, -1);
        assertEquals(-1, small.configRead(PciConfig.BAR0 + 4, 4));
    }

    @Test
    void msiFromTheDumpedListComposesMessages() {
        ImageDevice d = create("e1000e-82574l.xxx", Map.of());
        List<MemoryTransaction> sent = new ArrayList<>();
        d.connect(upstream(sent));
        assertEquals(0xd0, d.msi().offset());
        assertEquals(1, d.msi().maxVectors());
        d.configWrite(0xd0 + PciConfig.MSI_ADDRESS_LO, 4, 0x0804_0040);
        d.configWrite(0xd0 + PciConfig.MSI_ADDRESS_HI, 4, 0);
        d.configWrite(0xd0 + PciConfig.MSI_DATA_64, 2, 0x0021);
        d.configWrite(0xd0 + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE | (3 << 4));
        assertEquals(0x0081, d.configRead(0xd0 + PciConfig.MSI_FLAGS, 2), "MME clamped to the single vector");
        assertEquals(MsiOutcome.SENT, d.signal(0));
        assertEquals(0x0804_0040L, sent.get(0).address);
        assertEquals(0x21L, sent.get(0).data);
    }

    @Test
    void msixTableInItsBarMasksPendsAndDeliversOnUnmask() {
        ImageDevice d = create("e1000e-82574l.xxx", Map.of());
        List<MemoryTransaction> sent = new ArrayList<>();
        d.connect(upstream(sent));
        assertEquals(5, d.msix().tableSize());
        long bar3 = 0xfebe0000L;
        d.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
        write(d, bar3 + 0x10, 8, 0xfee0_0000L);
        write(d, bar3 + 0x18, 4, 0x41);
        d.configWrite(0xa0 + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE);
        assertEquals(MsiOutcome.PENDING, d.signal(1));
        assertEquals(2L, read(d, bar3 + 0x2000, 8));
        write(d, bar3 + 0x1c, 4, 0);
        assertEquals(1, sent.size());
        assertEquals(0x41L, sent.get(0).data);
        assertEquals(0L, read(d, bar3 + 0x2000, 8));
        assertEquals(0L, read(d, bar3 + 0x1000, 4), "between table and PBA reads 0");
        assertEquals(1, d.unbackedAccesses());
    }

    @Test
    void extendedDumpReadsBackItsExtendedCapabilities() {
        ImageDevice d = create("e1000e-82574l.xxxx", Map.of());
        assertEquals(0x14010001, d.configRead(0x100, 4));
        assertEquals(0x00010003, d.configRead(0x140, 4));
    }

    @Test
    void memoryDecodingNeedsTheMemoryBit() {
        ImageDevice d = create("e1000e-82574l.xxx", Map.of());
        d.configWrite(PciConfig.COMMAND, 2, 0);
        assertFalse(d.decodeMemory(new MemoryTransaction().read(0xfebc0000L, 4)));
    }

    @Test
    void badOptionsAreRefusedClearly() {
        ImageDeviceFactory f = new ImageDeviceFactory();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.create(Map.of()));
        assertTrue(e.getMessage().contains("file="), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> f.create(Map.of("file", "/nonexistent/dump.txt")));
        assertEquals("image: /nonexistent/dump.txt: no such file", e.getMessage(), "one line, no Java phrase");
        e = assertThrows(IllegalArgumentException.class,
                () -> create("e1000e-82574l.xxx", Map.of("rom", "1")));
        assertTrue(e.getMessage().contains("rom"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> create("e1000e-82574l.xxx", Map.of("bar0", "1M")));
        assertTrue(e.getMessage().contains("bar0") && e.getMessage().contains("febc0000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> create("e1000e-82574l.xxx", Map.of("bar3", "4K")));
        assertTrue(e.getMessage().contains("MSI-X"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> create("nvme-pm981.x", Map.of("bar1", "4K")));
        assertThrows(IllegalArgumentException.class, () -> create("nvme-pm981.x", Map.of("bar0", "lots")));
        assertThrows(IllegalArgumentException.class, () -> create("nvme-pm981.x", Map.of("bar7", "4K")));
    }

    private static void write(ImageDevice d, long address, int size, long value) {
        assertTrue(d.decodeMemory(new MemoryTransaction().write(address, size, value)));
    }

    private static long read(ImageDevice d, long address, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(address, size);
        assertTrue(d.decodeMemory(tx));
        return tx.data;
    }

    private static PciUpstream upstream(List<MemoryTransaction> sent) {
        return new PciUpstream() {
            @Override
            public int requesterId() {
                return 0x0200;
            }

            @Override
            public void send(MemoryTransaction tx) {
                sent.add(new MemoryTransaction().write(tx.address, tx.size, tx.data).from(tx.requesterId));
            }
        };
    }

    @Test
    void aDumpThatIsNoTextOrIsAFolderIsSaidSo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path binary = dir.resolve("dump.bin");
        java.nio.file.Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, (byte) 0xc3});
        ImageDeviceFactory f = new ImageDeviceFactory();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> f.create(Map.of("file", binary.toString())));
        assertEquals("image: " + binary + ": not a text file (an lspci -x/-xxx/-xxxx dump is text)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> f.create(Map.of("file", dir.toString())));
        assertEquals("image: cannot read " + dir + ": it is a directory", e.getMessage());
    }
}
