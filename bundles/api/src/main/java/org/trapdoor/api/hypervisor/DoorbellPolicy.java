package org.trapdoor.api.hypervisor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Kind {@code doorbell}: whether a DomU's devices reach the MSI doorbell through their stage 2, per
 * domain. Julien Grall's point in the 2017 thread: a doorbell mapped for the device's MSIs is also
 * reachable by any DMA the guest programs at that address, so trapping MSI configuration alone
 * does not stop a guest forging vectors; his alternative leaves the doorbell unmapped and lets
 * the hypervisor recover the write from the IOMMU's fault.
 */
@ConsumerType
public interface DoorbellPolicy extends HypervisorPolicy {
    String KIND = "doorbell";

    /** Sets up (or, on a switch, re-sets up) one DomU's doorbell. */
    void apply(DoorbellPlumbing domain);
}
