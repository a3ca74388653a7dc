/**
 * IOMMUs (Arm SMMUv3, SMMUv2 / MMU-500): the hot-path translation call an upstream port makes,
 * the decoded fault records shells show, and the pieces both SMMU generations share — the
 * VMSAv8-64 table walker and a lock-free IOTLB. A guest driver programs an IOMMU only through
 * its registers and the tables it places in memory, so nothing else is needed here for that.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.trapdoor.api.iommu;
