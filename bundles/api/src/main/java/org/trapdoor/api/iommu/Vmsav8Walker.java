package org.trapdoor.api.iommu;

import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.PhysicalMemory;

/**
 * The VMSAv8-64 translation table walk (Arm ARM D8) as both SMMU generations perform it: 4 KiB,
 * 16 KiB and 64 KiB granules, start level from the input size, table, block and page
 * descriptors, access flag, stage-1 AP and stage-2 S2AP permissions, output-size checks.
 *
 * <p>A walk is bounded by construction: it visits at most four levels, and a level-3 descriptor
 * can only be a page or invalid, so a table that points back at itself ends in a result or an
 * architected fault, never in a loop.
 *
 * <p>One walker object holds the result of its last walk; models keep one per stage and use it
 * under their slow-path lock (walks happen only on IOTLB misses). A walk allocates nothing.
 */
public final class Vmsav8Walker {
    /** No fault: {@link #outputAddress} holds the result. */
    public static final int OK = 0;
    /** Invalid descriptor, or input address outside the regime's input range. */
    public static final int TRANSLATION = 1;
    /** A table or output address is wider than the regime's output size. */
    public static final int ADDR_SIZE = 2;
    /** The leaf descriptor's AF bit is 0 (and access-flag faults are enabled). */
    public static final int ACCESS = 3;
    /** The leaf's AP / S2AP bits do not allow the access. */
    public static final int PERMISSION = 4;
    /** A descriptor read hit memory that is not RAM. */
    public static final int EXTERNAL_ABORT = 5;
    /** A table address could not be translated by the next stage (nested); that stage recorded why. */
    public static final int TABLE_STAGE2 = 6;

    /** Output address bits this walker takes from descriptors (OA[47:12]; 52-bit OA is not modelled). */
    private static final long OA_MASK = 0x0000_ffff_ffff_f000L;
    /** OA[51:48] / RES0 bits of a descriptor: set with a 48-bit output size gives an address-size fault. */
    private static final long OA_HIGH = 0x000f_0000_0000_0000L;

    /**
     * One stage's translation regime: what an STE/CD or a context bank's TTBR/TCR say. Mutable so
     * models can keep one per cached configuration and fill it on decode.
     */
    public static final class Regime {
        /** log2 of the granule: 12, 14 or 16. */
        public int granuleShift = 12;
        /** Input address size in bits (64 − TxSZ). */
        public int inputBits = 48;
        /** Level of the first table (0..3). */
        public int startLevel;
        /** Translation table base (TTB0 / S2TTB). */
        public long ttb;
        /** Output address size in bits (IPS / PS, capped to the IOMMU's OAS). */
        public int outputBits = 48;
        /** True for a stage-2 regime (S2AP permissions, concatenated start tables). */
        public boolean stage2;
        /** AFFD: a clear access flag does not fault. */
        public boolean accessFlagFaultDisabled;

        /** Stage 1: the start level follows from the input size (Arm ARM D8.2.6). */
        public static int stage1StartLevel(int granuleShift, int inputBits) {
            int stride = granuleShift - 3;
            int levels = (inputBits - granuleShift + stride - 1) / stride;
            return 4 - levels;
        }

        /** Stage 2: the start level from VTCR.SL0 and the granule; -1 for a reserved encoding. */
        public static int stage2StartLevel(int granuleShift, int sl0) {
            if (granuleShift == 12) {
                return sl0 <= 2 ? 2 - sl0 : -1;
            }
            return sl0 <= 2 ? 3 - sl0 : -1;
        }

        /** log2 of the size of the region one descriptor at {@code level} maps. */
        public int levelShift(int level) {
            return granuleShift + (3 - level) * (granuleShift - 3);
        }

        /** Why this regime cannot be walked, or {@code null} when it is consistent. */
        public String check() {
            if (granuleShift != 12 && granuleShift != 14 && granuleShift != 16) {
                return "granule 2^" + granuleShift + " is not 4K, 16K or 64K";
            }
            if (inputBits < 16 || inputBits > 48) {
                return "input size " + inputBits + " bits is outside 16..48";
            }
            if (startLevel < 0 || startLevel > 3) {
                return "start level " + startLevel + " is outside 0..3";
            }
            int stride = granuleShift - 3;
            int first = inputBits - levelShift(startLevel);
            if (first < 1 || first > (stage2 ? stride + 4 : stride)) {
                return "input size " + inputBits + " does not fit start level " + startLevel;
            }
            if (outputBits < 32 || outputBits > 48) {
                return "output size " + outputBits + " bits is outside 32..48";
            }
            if ((ttb >>> outputBits) != 0) {
                return String.format("table base 0x%x is wider than %d bits", ttb, outputBits);
            }
            return null;
        }
    }

    /**
     * Translates the address of a table the walk is about to read (nested translation: stage-1
     * tables live at IPAs). Returns the physical address, or -1 after recording its own fault.
     */
    @FunctionalInterface
    public interface TableTranslator {
        long tableAddress(long ipa);
    }

    // Result of the last walk.
    /** {@link #OK} or one of the fault codes. */
    public int fault;
    /** Level at which the walk ended (the leaf level, or the faulting level). */
    public int level;
    /** Output address of a successful walk. */
    public long outputAddress;
    /** log2 of the size the leaf maps (12 for a 4K page, 21 for a 2M block, ...). */
    public int leafShift;
    /** The leaf allows reads (stage 2: S2AP[0]; stage 1: always). */
    public boolean readable;
    /** The leaf allows writes (stage 1: AP[2] clear and no APTable; stage 2: S2AP[1]). */
    public boolean writable;
    /** Address of the descriptor (or table) whose read faulted, for external aborts. */
    public long faultAddress;

    /** Walks {@code regime} from its TTB without a table translator. */
    public int walk(PhysicalMemory memory, Regime regime, long inputAddress, boolean write) {
        return walk(memory, regime, inputAddress, write, null);
    }

    /**
     * Walks the tables for {@code inputAddress} and checks the access.
     *
     * @param tables translates each table address before it is read (nested), or {@code null}
     * @return {@link #fault}
     */
    public int walk(PhysicalMemory memory, Regime regime, long inputAddress, boolean write, TableTranslator tables) {
        fault = OK;
        faultAddress = 0;
        level = regime.startLevel;
        if (regime.inputBits < 64 && (inputAddress >>> regime.inputBits) != 0) {
            return fault = TRANSLATION;
        }
        long outLimitShift = regime.outputBits;
        long table = regime.ttb;
        if ((table >>> outLimitShift) != 0) {
            return fault = ADDR_SIZE;
        }
        int stride = regime.granuleShift - 3;
        boolean tableReadOnly = false;
        for (int lvl = regime.startLevel; lvl <= 3; lvl++) {
            level = lvl;
            int shift = regime.levelShift(lvl);
            int bits = lvl == regime.startLevel ? regime.inputBits - shift : stride;
            long index = (inputAddress >>> shift) & ((1L << bits) - 1);
            long descAddress = table + index * 8;
            if (tables != null) {
                long pa = tables.tableAddress(descAddress);
                if (pa < 0) {
                    faultAddress = descAddress;
                    return fault = TABLE_STAGE2;
                }
                descAddress = pa;
            }
            long desc;
            try {
                if (!memory.isRam(descAddress, 8)) {
                    faultAddress = descAddress;
                    return fault = EXTERNAL_ABORT;
                }
                desc = memory.load64(descAddress);
            } catch (MemoryAccessException e) {
                faultAddress = descAddress;
                return fault = EXTERNAL_ABORT;
            }
            int type = (int) (desc & 3);
            if ((type & 1) == 0) {
                return fault = TRANSLATION;
            }
            boolean isTable = type == 3 && lvl < 3;
            if (!isTable && !blockAllowed(regime.granuleShift, lvl) && lvl < 3) {
                return fault = TRANSLATION;
            }
            if (lvl == 3 && type != 3) {
                return fault = TRANSLATION;
            }
            long oa = desc & OA_MASK & -(1L << regime.granuleShift);
            if ((desc & OA_HIGH) != 0 || (oa >>> regime.outputBits) != 0) {
                return fault = ADDR_SIZE;
            }
            if (isTable) {
                // APTable[1] (bit 62) makes everything below read-only at stage 1.
                if (!regime.stage2 && (desc & (1L << 62)) != 0) {
                    tableReadOnly = true;
                }
                table = oa;
                continue;
            }
            if ((desc & (1L << 10)) == 0 && !regime.accessFlagFaultDisabled) {
                return fault = ACCESS;
            }
            int ap = (int) (desc >>> 6) & 3;
            if (regime.stage2) {
                readable = (ap & 1) != 0;
                writable = (ap & 2) != 0;
            } else {
                // AP[1] (EL0 access) is not checked: upstream transactions carry no privilege here.
                readable = true;
                writable = (ap & 2) == 0 && !tableReadOnly;
            }
            if (write ? !writable : !readable) {
                return fault = PERMISSION;
            }
            leafShift = shift;
            long blockBase = oa & -(1L << shift);
            outputAddress = blockBase | (inputAddress & ((1L << shift) - 1));
            return fault = OK;
        }
        return fault = TRANSLATION;
    }

    private static boolean blockAllowed(int granuleShift, int level) {
        if (granuleShift == 12) {
            return level == 1 || level == 2;
        }
        return level == 2;
    }

    /** A name for a fault code, for messages. */
    public static String faultName(int fault) {
        switch (fault) {
            case OK: return "ok";
            case TRANSLATION: return "translation";
            case ADDR_SIZE: return "address size";
            case ACCESS: return "access flag";
            case PERMISSION: return "permission";
            case EXTERNAL_ABORT: return "external abort";
            case TABLE_STAGE2: return "stage-2 fault on a table address";
            default: return "fault " + fault;
        }
    }
}
