package org.trapdoor.api.iommu;

/**
 * One architected fault record, decoded: what an SMMUv3 wrote to its event queue, or what an
 * SMMUv2 latched in a context bank's FSR/FAR/FSYNR0 or in sGFSR/sGFAR/sGFSYNR.
 *
 * @param kind     what went wrong
 * @param code     the architecture's own code: the SMMUv3 event ID, or the SMMUv2 FSR / sGFSR bit
 * @param streamId the StreamID of the faulting transaction
 * @param address  the transaction's input address (IOVA); 0 for SMMUv3 configuration errors
 *                 (C_BAD_*, F_STE_FETCH, F_CD_FETCH), whose records carry none
 * @param write    true for a write (SMMUv3 RnW = 0, SMMUv2 WNR = 1); false when not recorded
 * @param stage2   true when stage 2 faulted (SMMUv3 S2 bit; SMMUv2 a stage-2 context bank)
 * @param ipa      the intermediate physical address of a stage-2 fault, or the fetch address of
 *                 an STE/CD fetch fault; 0 otherwise
 * @param context  the SMMUv2 context bank, or -1
 */
public record IommuFault(Kind kind, int code, int streamId, long address, boolean write, boolean stage2, long ipa,
        int context) {

    /** Fault kinds of both SMMU generations, named as the SMMUv3 event IDs where they exist. */
    public enum Kind {
        /** SMMUv3 C_BAD_STREAMID: StreamID beyond the stream table. */
        BAD_STREAMID,
        /** SMMUv3 F_STE_FETCH: the stream table entry could not be read. */
        STE_FETCH,
        /** SMMUv3 C_BAD_STE: the STE is invalid or illegal. */
        BAD_STE,
        /** SMMUv3 F_CD_FETCH: the context descriptor could not be read. */
        CD_FETCH,
        /** SMMUv3 C_BAD_CD: the CD is invalid or illegal. */
        BAD_CD,
        /** SMMUv3 F_WALK_EABT, SMMUv2 FSR.EF: external abort reading a translation table. */
        WALK_EABT,
        /** SMMUv3 F_TRANSLATION, SMMUv2 FSR.TF. */
        TRANSLATION,
        /** SMMUv3 F_ADDR_SIZE, SMMUv2 FSR.ASF. */
        ADDR_SIZE,
        /** SMMUv3 F_ACCESS, SMMUv2 FSR.AFF. */
        ACCESS,
        /** SMMUv3 F_PERMISSION, SMMUv2 FSR.PF. */
        PERMISSION,
        /** SMMUv2 sGFSR.USF: no stream match (with sCR0.USFCFG = 1) or an S2CR of type fault. */
        UNIDENTIFIED_STREAM,
        /** SMMUv2 sGFSR.SMCF: more than one SMR matched. */
        STREAM_MATCH_CONFLICT,
        /** SMMUv2 sGFSR.UCBF: S2CR names a context bank that does not exist. */
        UNIMPLEMENTED_CONTEXT_BANK,
        /** SMMUv2 sGFSR.CAF: the context bank cannot serve the transaction (configuration). */
        CONFIGURATION_ACCESS
    }

    @Override
    public String toString() {
        return String.format("%s(0x%02x) sid=0x%x %s iova=0x%x%s%s", kind, code, streamId, write ? "W" : "R", address,
                stage2 || ipa != 0 ? String.format(" %s=0x%x", stage2 ? "ipa" : "fetch", ipa) : "",
                context >= 0 ? " cb=" + context : "");
    }
}
