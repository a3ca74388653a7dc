package org.trapdoor.xen.irq.vgic;

/**
 * How Xen reaches a guest's memory by guest physical address ({@code access_guest_memory_by_gpa}
 * through the domain's stage 2): the vGIC reads the guest's LPI property table, the vITS its
 * command queue and its tables. Callers check {@link #isRam} first; nothing here throws at the
 * guest.
 */
public interface GuestMemory {
    /** True when [{@code ipa}, {@code ipa+length}) is the guest's RAM. */
    boolean isRam(long ipa, long length);

    /** Little-endian load of 1, 2, 4 or 8 bytes of the guest's RAM. */
    long load(long ipa, int size);

    /** Little-endian store of 1, 2, 4 or 8 bytes into the guest's RAM. */
    void store(long ipa, int size, long value);
}
