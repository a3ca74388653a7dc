package org.trapdoor.api.iommu;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.model.DeviceModel;

/**
 * An IOMMU model bound to a device-tree node ({@code arm,smmu-v3}, {@code arm,mmu-500}, ...).
 *
 * <p>Software programs it only through its registers (the node's {@code reg} regions) and the
 * tables and queues it places in emulated memory, as a real driver does. The rest of the machine
 * calls {@link #translate} for every DMA or MSI write coming up from a device.
 */
@ProviderType
public interface Iommu extends DeviceModel {
    /**
     * Translates one upstream transaction in place: reads {@link MemoryTransaction#streamId} (set
     * by the host bridge from {@code iommu-map}), {@link MemoryTransaction#address} (the IOVA),
     * {@link MemoryTransaction#write} and {@link MemoryTransaction#size}. On success the address
     * is rewritten to the output physical address and the result is left {@link MemResult#OK};
     * on a fault the architected fault is recorded (event queue, fault registers) and the
     * transaction fails with {@link MemResult#ABORT}.
     *
     * <p>Hot path: on an IOTLB hit this takes no lock and allocates nothing.
     */
    void translate(MemoryTransaction tx);

    /**
     * What hardware this model is, in a word, as shells show it beside the node ({@code smmuv3},
     * {@code smmuv2}, a vendor's name), so a tool asks the bound model instead of recognising
     * {@code compatible} strings. The default is the model class's simple name in lower case.
     */
    default String model() {
        return getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    /** A short description of the current mode, e.g. "enabled, 2-level stream table, bypass off". */
    String mode();

    /** Translations served from the IOTLB (or a cached bypass) since the model was created. */
    long iotlbHits();

    /** Translations that needed a configuration fetch or a table walk. */
    long iotlbMisses();

    /** Transactions aborted by the IOMMU (faults, aborting configurations, GBPA/CLIENTPD aborts). */
    long faultCount();

    /**
     * The most recent architected fault records (event-queue records for SMMUv3, latched
     * context/global fault syndromes for SMMUv2), oldest first. A bounded window: the count of
     * all of them is {@link #recordedFaultCount()}.
     */
    List<IommuFault> recentFaults();

    /** Fault records made since the model was created (including those a full queue lost). */
    long recordedFaultCount();

    /**
     * The IOMMU's interrupt outputs in device-tree {@code interrupts} order (SMMUv3:
     * {@code eventq, priq, cmdq-sync, gerror}; SMMUv2: {@code global, context0, ...}).
     */
    List<String> interruptLines();

    /** How many times output {@code line} (an index into {@link #interruptLines()}) was raised. */
    long interruptsRaised(int line);

    /** Connects the interrupt outputs (an interrupt controller seam); {@code null} disconnects. */
    void connect(IommuInterruptSink sink);
}
