/**
 * Serial lanes shared among controllers (a ZynqMP PS-GTR's four lanes among PCIe, SATA, USB3,
 * DisplayPort and SGMII): which controller owns which lane, and whether its PLL has locked.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.trapdoor.api.phy;
