/** Xen's IOMMU drivers: Xen owns the SMMU and gives each domain's devices the domain's stage 2. */
package org.trapdoor.xen.iommu;
