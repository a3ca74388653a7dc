package org.trapdoor.shell.lspci;

import java.util.Arrays;

/**
 * The configuration space of one function as lspci read it: 256 bytes for conventional PCI,
 * 4096 for a PCI Express function (what Linux exposes as {@code config} in sysfs).
 */
public final class ConfigImage {
    private final int segment;
    private final int bus;
    private final int devfn;
    private final byte[] data;

    public ConfigImage(int segment, int bus, int devfn, byte[] data) {
        if (data.length < 64 || data.length > 4096) {
            throw new IllegalArgumentException("config image of " + data.length + " bytes: need 64 to 4096");
        }
        this.segment = segment;
        this.bus = bus;
        this.devfn = devfn;
        this.data = data.clone();
    }

    public int segment() {
        return segment;
    }

    public int bus() {
        return bus;
    }

    public int devfn() {
        return devfn;
    }

    public int slot() {
        return devfn >> 3;
    }

    public int function() {
        return devfn & 7;
    }

    /** Bytes available. */
    public int size() {
        return data.length;
    }

    public boolean has(int offset, int size) {
        return offset >= 0 && offset + size <= data.length;
    }

    /** A byte, or 0xff beyond the image (as pciutils treats bytes it could not read). */
    public int u8(int offset) {
        return has(offset, 1) ? data[offset] & 0xff : 0xff;
    }

    public int u16(int offset) {
        return u8(offset) | u8(offset + 1) << 8;
    }

    public long u32(int offset) {
        return (u16(offset) | (long) u16(offset + 2) << 16) & 0xffff_ffffL;
    }

    public int vendorId() {
        return u16(0x00);
    }

    public int deviceId() {
        return u16(0x02);
    }

    /** Base class and sub-class, as pciutils' {@code PCI_CLASS_DEVICE} word. */
    public int classWord() {
        return u16(0x0a);
    }

    public int progIf() {
        return u8(0x09);
    }

    public int revision() {
        return u8(0x08);
    }

    public int headerType() {
        return u8(0x0e) & 0x7f;
    }

    public byte[] bytes() {
        return data.clone();
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%d [%04x:%04x] (%d bytes)", segment, bus, slot(), function(), vendorId(),
                deviceId(), data.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigImage c && c.segment == segment && c.bus == bus && c.devfn == devfn
                && Arrays.equals(c.data, data);
    }

    @Override
    public int hashCode() {
        return ((segment * 31 + bus) * 31 + devfn) * 31 + Arrays.hashCode(data);
    }
}
