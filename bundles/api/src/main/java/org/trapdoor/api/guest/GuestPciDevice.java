package org.trapdoor.api.guest;

import java.util.List;

/**
 * One PCI function the kernel enumerated.
 *
 * @param host       device-tree path of the host bridge it sits behind
 * @param segment    PCI domain
 * @param bus        bus number
 * @param devfn      device &lt;&lt; 3 | function
 * @param vendorId   Vendor ID
 * @param deviceId   Device ID
 * @param classCode  base class, sub-class and programming interface (24 bits)
 * @param revision   Revision ID
 * @param headerType header type without the multi-function bit
 * @param command    the Command register after the kernel enabled the device
 * @param bars       the implemented BARs
 * @param capabilities the standard then extended capabilities, in list order
 */
public record GuestPciDevice(String host, int segment, int bus, int devfn, int vendorId, int deviceId,
        int classCode, int revision, int headerType, int command, List<GuestBar> bars,
        List<GuestCapability> capabilities) {

    public GuestPciDevice {
        bars = List.copyOf(bars);
        capabilities = List.copyOf(capabilities);
    }

    /** {@code DDDD:BB:SS.F}, as Linux names the function. */
    public String bdf() {
        return String.format("%04x:%02x:%02x.%x", segment, bus, devfn >> 3, devfn & 7);
    }

    /** The requester ID {@code bus << 8 | devfn}. */
    public int requesterId() {
        return bus << 8 | devfn;
    }

    /** The first standard capability with this ID, or {@code null}. */
    public GuestCapability capability(int id) {
        for (GuestCapability c : capabilities) {
            if (!c.extended() && c.id() == id) {
                return c;
            }
        }
        return null;
    }

    /** The BAR with this index, or {@code null} if not implemented. */
    public GuestBar bar(int index) {
        for (GuestBar b : bars) {
            if (b.index() == index) {
                return b;
            }
        }
        return null;
    }
}
