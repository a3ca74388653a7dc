package org.trapdoor.xen.iommu;

/**
 * A domain's stage-2 translation as the SMMU is told of it: the P2M's root tables (shared with the
 * CPU's stage 2, as Xen shares them on Arm) and the VTCR fields that describe them.
 *
 * @param domid      the owning domain
 * @param root       machine address of the P2M root (STE.S2TTB)
 * @param vtcr       VTCR_EL2-layout fields [18:0] (T0SZ, SL0, IRGN0, ORGN0, SH0, TG0, PS), as the STE's S2 VTCR field takes them
 */
public record Stage2(int domid, long root, long vtcr) {
}
