package org.trapdoor.api.dt;

/** A PCI host bridge's {@code bus-range}: the first and last bus number it decodes. */
public record BusRange(int first, int last) {
    /** What Xen and Linux assume when a host bridge has no {@code bus-range}. */
    public static final BusRange DEFAULT = new BusRange(0, 255);

    public BusRange {
        if (first < 0 || last > 255 || first > last) {
            throw new DeviceTreeException("bus-range <" + first + " " + last + "> is not within 0..255 in order");
        }
    }

    public int count() {
        return last - first + 1;
    }

    public boolean contains(int bus) {
        return bus >= first && bus <= last;
    }

    /**
     * The node's {@code bus-range}, or {@link #DEFAULT} (0..255) when absent.
     *
     * @throws DeviceTreeException if the property is not two cells within 0..255, first ≤ last
     */
    public static BusRange of(DtNode host) {
        DtProperty p = host.property("bus-range");
        if (p == null) {
            return DEFAULT;
        }
        if (p.length() != 8) {
            throw new DeviceTreeException(host.path() + ": bus-range has " + p.length() + " bytes, not 2 cells");
        }
        long first = p.cell(0);
        long last = p.cell(1);
        if (first > last || last > 255) {
            throw new DeviceTreeException(String.format("%s: bus-range <0x%x 0x%x> is not within 0..255 in order",
                    host.path(), first, last));
        }
        return new BusRange((int) first, (int) last);
    }
}
