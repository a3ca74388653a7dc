package org.trapdoor.shell.lspci;

/**
 * lspci's {@code -d [VENDOR]:[DEVICE][:CLASS[:PROGIF]]}: every part in hex, an empty part or
 * {@code *} matches anything (pciutils {@code pci_filter_parse_id}). CLASS is the 16-bit base
 * class and sub-class word lspci prints ({@code 0604}), PROGIF the programming interface byte.
 */
public record DeviceFilter(int vendor, int device, int classWord, int progIf) {
    /** Matches every function. */
    public static final DeviceFilter ANY = new DeviceFilter(-1, -1, -1, -1);

    private static final String FORM = "[VENDOR]:[DEVICE][:CLASS[:PROGIF]]";

    public static DeviceFilter parse(String text) {
        String s = text.trim();
        String[] parts = s.split(":", -1);
        if (parts.length < 2) {
            throw new LspciException("-d " + text + ": ':' expected (want " + FORM + ")");
        }
        if (parts.length > 4) {
            throw new LspciException("-d " + text + ": too many ':' (want " + FORM + ")");
        }
        int vendor = part(parts[0], 0xffff, "vendor ID", text);
        int device = part(parts[1], 0xffff, "device ID", text);
        int cls = parts.length > 2 ? part(parts[2], 0xffff, "class code", text) : -1;
        int prog = parts.length > 3 ? part(parts[3], 0xff, "programming interface", text) : -1;
        return new DeviceFilter(vendor, device, cls, prog);
    }

    private static int part(String p, int max, String what, String text) {
        if (p.isEmpty() || p.equals("*")) {
            return -1;
        }
        long v;
        try {
            v = Long.parseLong(p, 16);
        } catch (NumberFormatException e) {
            throw new LspciException("-d " + text + ": invalid " + what + " '" + p + "' (want " + FORM + ", hex)");
        }
        if (v < 0 || v > max) {
            throw new LspciException(String.format("-d %s: %s %s is above 0x%x", text, what, p, max));
        }
        return (int) v;
    }

    public boolean matches(int vendorId, int deviceId, int cls, int prog) {
        return (vendor < 0 || vendor == vendorId) && (device < 0 || device == deviceId)
                && (classWord < 0 || classWord == cls) && (progIf < 0 || progIf == prog);
    }

    public boolean matches(ConfigImage c) {
        return matches(c.vendorId(), c.deviceId(), c.classWord(), c.progIf());
    }
}
