package org.trapdoor.api.guest;

/**
 * One capability found in a function's list.
 *
 * @param id       the capability ID (8-bit for standard, 16-bit for extended)
 * @param offset   where it starts in config space
 * @param extended whether it is in the PCI Express extended list (0x100 and above)
 * @param version  the extended capability version, 0 for a standard one
 */
public record GuestCapability(int id, int offset, boolean extended, int version) {
}
