package org.trapdoor.shell.lspci;

import java.util.Map;

/**
 * A tiny built-in slice of {@code pci.ids}: the IDs Trapdoor emulates and the class names, with
 * pciutils' rules for what to print when a name is unknown or numbers are asked for.
 */
public final class PciNames {
    private static final Map<Integer, String> VENDORS = Map.of(
            0x1234, "Technical Corp.",
            0x1b36, "Red Hat, Inc.",
            0x10ee, "Xilinx Corporation",
            0x1af4, "Red Hat, Inc.");

    private static final Map<Integer, String> DEVICES = Map.of(
            0x1234_11e9, "Trapdoor test device",
            0x1b36_0008, "QEMU PCIe Host bridge",
            0x1b36_0001, "QEMU PCI-PCI bridge",
            0x1b36_000c, "QEMU PCIe Root port");

    private static final Map<Integer, String> CLASSES = Map.ofEntries(
            Map.entry(0x00, "Unclassified device"),
            Map.entry(0x01, "Mass storage controller"),
            Map.entry(0x02, "Network controller"),
            Map.entry(0x03, "Display controller"),
            Map.entry(0x04, "Multimedia controller"),
            Map.entry(0x05, "Memory controller"),
            Map.entry(0x06, "Bridge"),
            Map.entry(0x07, "Communication controller"),
            Map.entry(0x08, "Generic system peripheral"),
            Map.entry(0x09, "Input device controller"),
            Map.entry(0x0b, "Processor"),
            Map.entry(0x0c, "Serial bus controller"),
            Map.entry(0x0d, "Wireless controller"),
            Map.entry(0x11, "Signal processing controller"),
            Map.entry(0x12, "Processing accelerators"),
            Map.entry(0xff, "Unassigned class"));

    private static final Map<Integer, String> SUBCLASSES = Map.ofEntries(
            Map.entry(0x0000, "Non-VGA unclassified device"),
            Map.entry(0x0001, "VGA compatible unclassified device"),
            Map.entry(0x0100, "SCSI storage controller"),
            Map.entry(0x0101, "IDE interface"),
            Map.entry(0x0106, "SATA controller"),
            Map.entry(0x0108, "Non-Volatile memory controller"),
            Map.entry(0x0200, "Ethernet controller"),
            Map.entry(0x0280, "Network controller"),
            Map.entry(0x0300, "VGA compatible controller"),
            Map.entry(0x0600, "Host bridge"),
            Map.entry(0x0601, "ISA bridge"),
            Map.entry(0x0604, "PCI bridge"),
            Map.entry(0x0680, "Bridge"),
            Map.entry(0x0880, "System peripheral"),
            Map.entry(0x0c03, "USB controller"),
            Map.entry(0x1200, "Processing accelerators"));

    private PciNames() {
    }

    /** The programming-interface name pci.ids gives, or {@code null}. */
    public static String progIf(int classWord, int progIf) {
        if (classWord == 0x0604) {
            return progIf == 0 ? "Normal decode" : progIf == 1 ? "Subtractive decode" : null;
        }
        return null;
    }

    /** "Vendor Device", with pciutils' fall-backs; {@code numeric} as in {@link LspciOptions#numeric}. */
    public static String device(int vendor, int device, int numeric) {
        String ids = String.format("%04x:%04x", vendor, device);
        if (numeric == 1) {
            return ids;
        }
        String v = VENDORS.get(vendor);
        String d = DEVICES.get(vendor << 16 | device);
        String name;
        if (v == null) {
            name = "Device " + ids;
        } else if (d == null) {
            name = v + String.format(" Device %04x", device);
        } else {
            name = v + " " + d;
        }
        return numeric == 2 ? name + " [" + ids + "]" : name;
    }

    /** The class name for the {@code PCI_CLASS_DEVICE} word (base class and sub-class). */
    public static String deviceClass(int classWord, int numeric) {
        String ids = String.format("%04x", classWord);
        if (numeric == 1) {
            return ids;
        }
        String sub = SUBCLASSES.get(classWord);
        String name;
        if (sub != null) {
            name = sub;
            return numeric == 2 ? name + " [" + ids + "]" : name;
        }
        String base = CLASSES.get(classWord >> 8);
        if (base != null) {
            return base + " [" + ids + "]";
        }
        return "Class " + ids;
    }
}
