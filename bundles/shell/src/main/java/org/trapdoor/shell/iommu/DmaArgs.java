package org.trapdoor.shell.iommu;

import java.util.Locale;

import org.trapdoor.shell.Numbers;
import org.trapdoor.shell.command.Bdf;

/**
 * The arguments of {@code dma DEVICE ADDR LEN read|write}, checked.
 *
 * @param bdf      the function as the guest names it, {@code DDDD:BB:DD.F}
 * @param address  the bus address (an IOVA behind an IOMMU)
 * @param length   bytes to move
 * @param toMemory true for {@code write} (the device writes memory), false for {@code read}
 */
public record DmaArgs(String bdf, long address, int length, boolean toMemory) {

    /** @throws IllegalArgumentException saying which argument is wrong and why */
    public static DmaArgs parse(String device, String address, String length, String direction) {
        String bdf = bdf(device);
        long addr = Numbers.parse(address, "address");
        long len = Numbers.parse(length, "length");
        if (len == 0 || len > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("length " + length + " must be between 1 and 0x7fffffff bytes");
        }
        if (Long.compareUnsigned(len - 1, -1L - addr) > 0) {
            throw new IllegalArgumentException(String.format(
                    "address 0x%x + length 0x%x wraps past the top of the 64-bit bus", addr, len));
        }
        String dir = direction == null ? "" : direction.strip().toLowerCase(Locale.ROOT);
        boolean toMemory = switch (dir) {
            case "write" -> true;
            case "read" -> false;
            default -> throw new IllegalArgumentException("direction '" + direction
                    + "' is neither read (the device reads memory) nor write (the device writes memory)");
        };
        return new DmaArgs(bdf, addr, (int) len, toMemory);
    }

    /** A function in any of {@link Bdf}'s forms, normalised to {@code DDDD:BB:DD.F} (domain 0 when omitted). */
    public static String bdf(String text) {
        return Bdf.parse(text, "device").full();
    }
}
