/**
 * PCI passthrough as Xen does it on Arm, over the other packages: the pdevs Dom0 reports, their
 * owners and quarantine, assignment to DomUs (IOMMU context and vPCI slot), the policies applied
 * live. The facade delegates every {@code Hypervisor} PCI method here.
 */
package org.trapdoor.xen.passthrough;
