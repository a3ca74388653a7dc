package org.trapdoor.api.guest;

/**
 * One MSI or MSI-X vector the kernel set up, as a shell shows it.
 *
 * @param bdf        the function, {@code DDDD:BB:SS.F}
 * @param mode       MSI or MSI-X
 * @param vector     the vector index (MSI-X table entry, or MSI vector number)
 * @param address    the message address the function writes to
 * @param data       the message data (for multi-message MSI: the value the function writes for
 *                   this vector, i.e. the programmed data ORed with the vector number)
 * @param target     what kind of interrupt the message becomes
 * @param intid      that interrupt's INTID
 * @param controller device-tree path of the MSI controller node
 * @param masked     whether the vector is masked in the function now
 * @param count      interrupts the kernel handled on this vector since it was set up
 */
public record GuestMsiVector(String bdf, Mode mode, int vector, long address, int data, Target target, int intid,
        String controller, boolean masked, long count) {

    /** Which capability the vector belongs to. */
    public enum Mode {
        MSI, MSIX
    }

    /** What the message turns into. */
    public enum Target {
        /** A GICv3 LPI (through an ITS). */
        LPI,
        /** A shared peripheral interrupt (through a GICv2m frame). */
        SPI
    }
}
