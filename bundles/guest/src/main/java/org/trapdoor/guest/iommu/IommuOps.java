package org.trapdoor.guest.iommu;

import java.util.List;

import org.trapdoor.api.iommu.IommuFault;

/**
 * What the DMA layer needs from an SMMU driver: Linux's {@code struct iommu_ops}, reduced to a
 * DMA domain per device: bring the SMMU up, attach a stream to a fresh stage-1 context,
 * invalidate its TLB after an unmap, and read back the faults it recorded. (Named after the
 * Linux structure, not "Driver": that suffix is the OSGi hardware drivers'.)
 */
public interface IommuOps {
    /** {@code "SMMUv3"} or {@code "SMMUv2"}. */
    String kind();

    /** Device-tree path of the IOMMU node. */
    String node();

    /**
     * Probes and resets the SMMU through its registers.
     *
     * @throws IllegalStateException when no SMMU of this kind answers, or it cannot be set up
     */
    void init();

    /**
     * Gives {@code streamId} a stage-1 context translating through {@code table}.
     *
     * @throws IllegalStateException when the StreamID cannot be attached (out of range, no free
     *                               context, the SMMU refused the configuration)
     */
    Context attach(int streamId, IoPgtableArm table);

    /**
     * Lets {@code streamId} through untranslated: an identity default domain
     * ({@code iommu.passthrough=1}).
     *
     * @throws IllegalStateException as {@link #attach}
     */
    void bypass(int streamId);

    /** Invalidates the TLB entries of [{@code iova}, {@code iova + size}) in {@code context}, and waits. */
    void flush(Context context, long iova, long size);

    /** Fault records the SMMU made since the last call (event queue, fault registers), oldest first. */
    List<IommuFault> drainFaults();

    /**
     * A stream's stage-1 context.
     *
     * @param streamId the StreamID
     * @param asid     its ASID
     * @param bank     the SMMUv2 context bank, or -1
     */
    record Context(int streamId, int asid, int bank) {
    }
}
