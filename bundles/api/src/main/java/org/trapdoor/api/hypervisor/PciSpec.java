package org.trapdoor.api.hypervisor;

/**
 * One {@code pci = [...]} entry or {@code xl pci-attach} argument ({@code xl-pci-configuration(5)}):
 * the host function and how it is passed through.
 *
 * @param segment    host PCI segment
 * @param bus        host bus
 * @param device     host device (slot)
 * @param function   host function
 * @param vslot      requested virtual slot, or -1 to take the first free one
 * @param permissive {@code permissive=1}: writes to registers without a handler reach the device
 * @param seize      {@code seize=1}: make the function assignable first if Dom0 still owns it
 */
public record PciSpec(int segment, int bus, int device, int function, int vslot, boolean permissive,
        boolean seize) {
    public PciSpec {
        if (segment < 0 || segment > 0xffff || bus < 0 || bus > 0xff || device < 0 || device > 0x1f
                || function < 0 || function > 7) {
            throw new IllegalArgumentException("not a PCI function: " + segment + ":" + bus + ":" + device + "." + function);
        }
        if (vslot < -1 || vslot > 0x1f) {
            throw new IllegalArgumentException("vslot must be 0x0-0x1f, not 0x" + Integer.toHexString(vslot));
        }
    }

    /** The host function as {@code SSSS:BB:DD.F}. */
    public String bdf() {
        return String.format("%04x:%02x:%02x.%x", segment, bus, device, function);
    }
}
