package org.trapdoor.xen.pci;

import org.trapdoor.api.hypervisor.HypervisorException;

/**
 * A PCI function's address as Xen's {@code pci_sbdf_t} holds it: segment, bus, device (slot) and
 * function. Printed as {@code SSSS:BB:DD.F}, the form {@code xl} and Xen's {@code %pp} use.
 */
public record Sbdf(int segment, int bus, int devfn) {
    public Sbdf {
        if (segment < 0 || segment > 0xffff || bus < 0 || bus > 0xff || devfn < 0 || devfn > 0xff) {
            throw new IllegalArgumentException(String.format("not a PCI function: seg %d bus %d devfn %d", segment,
                    bus, devfn));
        }
    }

    public static Sbdf of(int segment, int bus, int device, int function) {
        if (device < 0 || device > 0x1f || function < 0 || function > 7) {
            throw new IllegalArgumentException(String.format("not a PCI function: device %d function %d", device, function));
        }
        return new Sbdf(segment, bus, device << 3 | function);
    }

    /**
     * Parses {@code [SSSS:]BB:DD.F} (hexadecimal), as {@code xl} reads a BDF argument.
     *
     * @throws HypervisorException with xl's kind of message for anything else
     */
    public static Sbdf parse(String text) {
        String s = text == null ? "" : text.trim();
        String[] parts = s.split(":", -1);
        try {
            int seg = 0;
            int i = 0;
            if (parts.length == 3) {
                seg = hex(parts[0], 4);
                i = 1;
            } else if (parts.length != 2) {
                throw new NumberFormatException();
            }
            int bus = hex(parts[i], 2);
            String[] df = parts[i + 1].split("\\.", -1);
            if (df.length != 2) {
                throw new NumberFormatException();
            }
            int dev = hex(df[0], 2);
            int fn = hex(df[1], 1);
            if (dev > 0x1f || fn > 7) {
                throw new NumberFormatException();
            }
            return of(seg, bus, dev, fn);
        } catch (NumberFormatException e) {
            throw new HypervisorException("pci: '" + text + "' is not a BDF ([DDDD:]BB:DD.F)");
        }
    }

    private static int hex(String s, int maxDigits) {
        if (s.isEmpty() || s.length() > maxDigits) {
            throw new NumberFormatException(s);
        }
        return Integer.parseInt(s, 16);
    }

    public int device() {
        return devfn >>> 3;
    }

    public int function() {
        return devfn & 7;
    }

    /** The requester ID on its segment ({@code bus << 8 | devfn}), what {@code iommu-map} maps. */
    public int rid() {
        return bus << 8 | devfn;
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", segment, bus, device(), function());
    }
}
