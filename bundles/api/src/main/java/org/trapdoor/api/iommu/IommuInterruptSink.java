package org.trapdoor.api.iommu;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where an IOMMU's interrupt outputs go (edge-triggered wired interrupts or their SPIs). The
 * machine wires it to the interrupt controller named by the node's {@code interrupts}; an IOMMU
 * counts every raise whether or not a sink is connected.
 */
@ConsumerType
@FunctionalInterface
public interface IommuInterruptSink {
    /** Output {@code line} (an index into {@link Iommu#interruptLines()}) had a rising edge. */
    void raise(int line);
}
