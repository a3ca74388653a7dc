package org.trapdoor.api.machine;

/**
 * A device attached to a host bridge with {@code --device}.
 *
 * @param bridgePath the host bridge node it sits behind
 * @param segment    PCI segment (domain) number
 */
public record PciDeviceInfo(String bridgePath, int segment, int bus, int devfn, String type, String description) {
    public String bdf() {
        return String.format("%04x:%02x:%02x.%x", segment, bus, devfn >> 3, devfn & 7);
    }
}
