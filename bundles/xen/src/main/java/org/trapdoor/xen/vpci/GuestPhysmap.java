package org.trapdoor.xen.vpci;

/**
 * Where vPCI maps a BAR when the guest turns memory decoding on: the domain's P2M, as Xen's
 * {@code map_mmio_regions}/{@code unmap_mmio_regions} (Device memory, read-write).
 */
public interface GuestPhysmap {
    /**
     * Maps {@code size} bytes of device memory at machine address {@code machine} at guest
     * {@code ipa}; both page aligned. False when the P2M refuses (out of its IPA range).
     */
    boolean mapMmio(long ipa, long machine, long size);

    void unmapMmio(long ipa, long size);
}
