package org.trapdoor.hw.configimage;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ConfigAccessor;
import org.trapdoor.api.pci.ConfigRegister;
import org.trapdoor.api.pci.ConfigSpace;
import org.trapdoor.api.pci.MsiCapability;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.MsixCapability;
import org.trapdoor.api.pci.PciBar;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.PciDevice;
import org.trapdoor.api.pci.PciUpstream;

/**
 * An endpoint whose config space is a dump of a real device ({@link ConfigImage}).
 *
 * <p>Every dumped byte reads back as dumped and ignores writes, except what the standard makes
 * writable: Command (I/O and memory decode, bus master, parity and SERR response, INTx disable),
 * Status error bits (RW1C), Cache Line Size, Interrupt Line, the BARs, and the MSI and MSI-X
 * capabilities found by walking the dumped list (control, address, data, masks; MSI-X table and
 * PBA in their BAR). Command, Status and the BAR addresses start as dumped (as firmware left
 * them); MSI and MSI-X start in their reset state (disabled, entries masked), not as the dumping
 * host's driver left them. Bytes past a 64- or 256-byte dump read 0. The Expansion ROM reads 0 (the dump carries no
 * ROM image). BAR memory outside the MSI-X structures reads 0 and drops writes: the dump carries
 * no device behaviour.
 *
 * <p>BAR sizes: a dump records addresses, not sizes. {@code barN=SIZE} gives one. Otherwise the
 * size is the largest power of two the dumped address is aligned to, capped at 1 MiB for memory
 * and 256 bytes for I/O (a firmware-packed BAR is usually aligned to more than its size, so the
 * alignment alone would overstate it, and the cap keeps host-bridge windows from running out),
 * shrunk until it does not reach the next dumped BAR of the same space, and at least what the
 * MSI-X table and PBA in it need. A BAR dumped as 0 is taken as not
 * implemented unless {@code barN} is given, in which case it is a 32-bit memory BAR.
 */
public final class ImageDevice implements PciDevice {
    private static final Logger LOG = LoggerFactory.getLogger(ImageDevice.class);
    public static final long MEMORY_BAR_CAP = 1 << 20;
    public static final long IO_BAR_CAP = 256;

    private final ConfigImage image;
    private final ConfigSpace config;
    private final ConfigRegister command;
    private final PciBar[] bars = new PciBar[PciConfig.BAR_COUNT];
    private final MsiCapability msi;
    private final MsixCapability msix;
    private final AtomicLong unbackedAccesses = new AtomicLong();

    /** Where the dumped capability list puts MSI and MSI-X (0 if absent). */
    private int msiAt;
    private int msixAt;

    /**
     * @param barSizes explicit BAR sizes by index (from {@code barN=SIZE})
     * @throws IllegalArgumentException if the dump is not an endpoint or contradicts a size
     */
    public ImageDevice(ConfigImage image, Map<Integer, Long> barSizes) {
        this.image = image;
        String src = image.source();
        int vendor = image.read(PciConfig.VENDOR_ID, 2);
        if (vendor == 0xffff || vendor == 0) {
            throw new IllegalArgumentException(src + ": vendor ID 0x" + Integer.toHexString(vendor)
                    + " means no device was dumped");
        }
        int headerType = image.read(PciConfig.HEADER_TYPE, 1) & PciConfig.HEADER_TYPE_MASK;
        if (headerType != PciConfig.HEADER_TYPE_NORMAL) {
            throw new IllegalArgumentException(src + ": header type " + headerType
                    + " is a bridge, not an endpoint");
        }
        this.config = new ConfigSpace(new ConfigAccessor() {
            @Override
            public int read(int offset, int size) {
                return image.read(offset, size);
            }

            @Override
            public void write(int offset, int size, int value) {
                // Read-only, as dumped.
            }
        });
        walkCapabilities();

        int requiredTable = 0;
        int msixBirTable = -1;
        int msixBirPba = -1;
        int requiredPba = 0;
        int tableSize = 0;
        if (msixAt != 0) {
            tableSize = (image.read(msixAt + PciConfig.MSIX_FLAGS, 2) & PciConfig.MSIX_FLAGS_QSIZE) + 1;
            int t = image.read(msixAt + PciConfig.MSIX_TABLE, 4);
            int p = image.read(msixAt + PciConfig.MSIX_PBA, 4);
            msixBirTable = t & PciConfig.MSIX_BIR_MASK;
            msixBirPba = p & PciConfig.MSIX_BIR_MASK;
            requiredTable = (t & ~PciConfig.MSIX_BIR_MASK) + tableSize * PciConfig.MSIX_ENTRY_SIZE;
            requiredPba = (p & ~PciConfig.MSIX_BIR_MASK) + MsixCapability.pbaBytes(tableSize);
        }

        long[] dumped = dumpedAddresses();
        boolean anyIo = false;
        for (int i = 0; i < PciConfig.BAR_COUNT; i++) {
            int raw = image.read(PciConfig.BAR0 + 4 * i, 4);
            Long given = barSizes.get(i);
            long needed = Math.max(i == msixBirTable ? requiredTable : 0, i == msixBirPba ? requiredPba : 0);
            if (raw == 0 && given == null && needed == 0) {
                config.constant(PciConfig.BAR0 + 4 * i, 4, 0);
                continue;
            }
            if ((raw & PciConfig.BAR_SPACE_IO) != 0) {
                long address = raw & PciConfig.BAR_IO_MASK & 0xffff_ffffL;
                long size = size(src, i, address, given, 4, IO_BAR_CAP, needed, dumped);
                bars[i] = PciBar.io(config, i, (int) size, address & ~(size - 1));
                anyIo = true;
                continue;
            }
            int type = raw & PciConfig.BAR_MEM_TYPE_MASK;
            boolean prefetch = (raw & PciConfig.BAR_MEM_PREFETCH) != 0;
            if (type == PciConfig.BAR_MEM_TYPE_64) {
                if (i == PciConfig.BAR_COUNT - 1) {
                    throw new IllegalArgumentException(src + ": BAR5 claims to be 64-bit but has no upper half");
                }
                if (barSizes.containsKey(i + 1)) {
                    throw new IllegalArgumentException(src + ": bar" + (i + 1) + " is the upper half of 64-bit BAR"
                            + i + "; give bar" + i + " instead");
                }
                long address = (raw & PciConfig.BAR_MEM_MASK & 0xffff_ffffL)
                        | ((long) image.read(PciConfig.BAR0 + 4 * (i + 1), 4) << 32);
                long size = size(src, i, address, given, 16, MEMORY_BAR_CAP, needed, dumped);
                bars[i] = PciBar.memory64(config, i, size, prefetch, address & ~(size - 1));
                i++;
            } else if (type == PciConfig.BAR_MEM_TYPE_32) {
                long address = raw & PciConfig.BAR_MEM_MASK & 0xffff_ffffL;
                long size = size(src, i, address, given, 16, MEMORY_BAR_CAP, needed, dumped);
                bars[i] = PciBar.memory32(config, i, size, prefetch, address & ~(size - 1));
            } else {
                throw new IllegalArgumentException(String.format("%s: BAR%d (0x%08x) has reserved memory type %d",
                        src, i, raw, type >>> 1));
            }
        }
        for (int i : barSizes.keySet()) {
            if (i < 0 || i >= PciConfig.BAR_COUNT) {
                throw new IllegalArgumentException(src + ": bar" + i + " is not a BAR (bar0..bar5)");
            }
        }

        command = config.register(PciConfig.COMMAND, 2, image.read(PciConfig.COMMAND, 2),
                (anyIo ? PciConfig.COMMAND_IO : 0) | PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER
                        | PciConfig.COMMAND_PARITY | PciConfig.COMMAND_SERR | PciConfig.COMMAND_INTX_DISABLE);
        config.register(PciConfig.STATUS, 2, image.read(PciConfig.STATUS, 2), 0, PciConfig.STATUS_RW1C);
        config.register(PciConfig.CACHE_LINE_SIZE, 1, image.read(PciConfig.CACHE_LINE_SIZE, 1), 0xff);
        config.register(PciConfig.INTERRUPT_LINE, 1, image.read(PciConfig.INTERRUPT_LINE, 1), 0xff);
        config.constant(PciConfig.ROM_ADDRESS, 4, 0);

        if (msiAt != 0) {
            int ctl = image.read(msiAt + PciConfig.MSI_FLAGS, 2);
            int mmc = Math.min((ctl & PciConfig.MSI_FLAGS_QMASK) >>> 1, 5);
            try {
                msi = new MsiCapability(config, msiAt, image.read(msiAt + 1, 1) & 0xfc, 1 << mmc,
                        (ctl & PciConfig.MSI_FLAGS_64BIT) != 0, (ctl & PciConfig.MSI_FLAGS_MASKBIT) != 0);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(src + ": " + ex.getMessage(), ex);
            }
        } else {
            msi = null;
        }
        if (msixAt != 0) {
            for (int bir : new int[] {msixBirTable, msixBirPba}) {
                if (bir > 5 || bars[bir] == null || !bars[bir].isMemory()) {
                    throw new IllegalArgumentException(String.format(
                            "%s: MSI-X at 0x%02x places its table or PBA in BAR%d, which is not a memory BAR",
                            src, msixAt, bir));
                }
            }
            int t = image.read(msixAt + PciConfig.MSIX_TABLE, 4);
            int p = image.read(msixAt + PciConfig.MSIX_PBA, 4);
            try {
                msix = new MsixCapability(config, msixAt, image.read(msixAt + 1, 1) & 0xfc, tableSize, msixBirTable,
                        t & ~PciConfig.MSIX_BIR_MASK, msixBirPba, p & ~PciConfig.MSIX_BIR_MASK);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(src + ": " + ex.getMessage(), ex);
            }
        } else {
            msix = null;
        }
    }

    /** The address of each dumped BAR slot (upper halves and empty slots: 0), I/O ones tagged by bit 0. */
    private long[] dumpedAddresses() {
        long[] a = new long[PciConfig.BAR_COUNT];
        for (int i = 0; i < PciConfig.BAR_COUNT; i++) {
            int raw = image.read(PciConfig.BAR0 + 4 * i, 4);
            if ((raw & PciConfig.BAR_SPACE_IO) != 0) {
                a[i] = (raw & PciConfig.BAR_IO_MASK & 0xffff_ffffL) | 1;
            } else {
                a[i] = raw & PciConfig.BAR_MEM_MASK & 0xffff_ffffL;
                if ((raw & PciConfig.BAR_MEM_TYPE_MASK) == PciConfig.BAR_MEM_TYPE_64 && i < PciConfig.BAR_COUNT - 1) {
                    a[i] |= (long) image.read(PciConfig.BAR0 + 4 * (i + 1), 4) << 32;
                    i++;
                }
            }
        }
        return a;
    }

    private static long size(String src, int i, long address, Long given, long min, long cap, long needed,
            long[] dumped) {
        if (given != null) {
            long s = given;
            if (s < min || Long.bitCount(s) != 1 || (min == 4 && s > cap)) {
                throw new IllegalArgumentException(String.format("%s: bar%d=%d is not a power of two from %d%s",
                        src, i, s, min, min == 4 ? " to 256" : ""));
            }
            if ((address & (s - 1)) != 0) {
                throw new IllegalArgumentException(String.format(
                        "%s: bar%d=0x%x does not fit the dumped address 0x%x (not aligned to the size)",
                        src, i, s, address));
            }
            if (s < needed) {
                throw new IllegalArgumentException(String.format(
                        "%s: bar%d=0x%x is smaller than the MSI-X table and PBA it holds (0x%x bytes)",
                        src, i, s, needed));
            }
            return s;
        }
        long s = address == 0 ? cap : Math.min(Long.lowestOneBit(address), cap);
        // Nor may it reach another dumped BAR of the same space above it.
        boolean io = min == 4;
        for (long other : dumped) {
            long o = other & ~1L;
            if (address != 0 && ((other & 1) != 0) == io && o > address) {
                while (address + s > o) {
                    s >>>= 1;
                }
            }
        }
        s = Math.max(s, min);
        if (needed > s) {
            s = Long.highestOneBit(needed - 1) << 1;
        }
        return s;
    }

    /** Finds MSI and MSI-X in the dumped list: the walk of Xen's vPCI, bounded to 48 entries. */
    private void walkCapabilities() {
        if ((image.read(PciConfig.STATUS, 2) & PciConfig.STATUS_CAP_LIST) == 0) {
            return;
        }
        int pos = image.read(PciConfig.CAPABILITY_LIST, 1) & ~3;
        for (int ttl = PciConfig.CAP_WALK_TTL; ttl > 0 && pos >= PciConfig.HEADER_END; ttl--) {
            if (pos + 2 > image.length()) {
                // lspci -x stops at 0x40: the list goes on in bytes we do not have (they read 0).
                LOG.warn("{}: capability list continues at 0x{} past the {} dumped bytes; MSI/MSI-X not modelled",
                        image.source(), Integer.toHexString(pos), image.length());
                return;
            }
            int id = image.read(pos, 1);
            if (id == PciConfig.CAP_ID_MSI && msiAt == 0) {
                msiAt = pos;
            } else if (id == PciConfig.CAP_ID_MSIX && msixAt == 0) {
                msixAt = pos;
            }
            pos = image.read(pos + 1, 1) & ~3;
        }
    }

    // ------------------------------------------------------------------ PciDevice

    @Override
    public String type() {
        return "image";
    }

    @Override
    public String describe() {
        return "image " + image.source() + (image.header() != null ? " (" + image.header() + ")" : "");
    }

    @Override
    public void connect(PciUpstream upstream) {
        if (msi != null) {
            msi.connect(upstream, command);
        }
        if (msix != null) {
            msix.connect(upstream, command);
        }
    }

    @Override
    public int configRead(int offset, int size) {
        return config.read(offset, size);
    }

    @Override
    public void configWrite(int offset, int size, int value) {
        config.write(offset, size, value);
    }

    @Override
    public boolean decodeMemory(MemoryTransaction tx) {
        if ((command.value() & PciConfig.COMMAND_MEMORY) == 0) {
            return false;
        }
        for (PciBar bar : bars) {
            if (bar == null || !bar.isMemory()) {
                continue;
            }
            long off = bar.offsetOf(tx.address, tx.size);
            if (off >= 0) {
                tx.offset = off;
                if (msix == null || !msix.access(bar.index(), tx)) {
                    unbackedAccesses.incrementAndGet();
                    if (!tx.write) {
                        tx.data = 0;
                    }
                }
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ model side

    public ConfigSpace config() {
        return config;
    }

    /** BAR {@code i}, or {@code null} if not implemented (or the upper half of a 64-bit BAR). */
    public PciBar bar(int i) {
        return bars[i];
    }

    public MsiCapability msi() {
        return msi;
    }

    public MsixCapability msix() {
        return msix;
    }

    /** BAR accesses outside the MSI-X structures (read 0, writes dropped). */
    public long unbackedAccesses() {
        return unbackedAccesses.get();
    }

    /** Signals {@code vector} by MSI-X if enabled, else MSI if enabled. */
    public MsiOutcome signal(int vector) {
        if (msix != null && msix.enabled()) {
            return msix.signal(vector);
        }
        if (msi != null && msi.enabled()) {
            return msi.signal(vector);
        }
        return MsiOutcome.DISABLED;
    }

    @Override
    public String toString() {
        return describe();
    }
}
