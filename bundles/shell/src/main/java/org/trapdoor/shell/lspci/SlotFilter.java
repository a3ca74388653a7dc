package org.trapdoor.shell.lspci;

/**
 * lspci's {@code -s [[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]]}: every part in hex, an empty part or
 * {@code *} matches anything (pciutils {@code pci_filter_parse_slot}).
 */
public record SlotFilter(int domain, int bus, int slot, int function) {
    /** Matches every function. */
    public static final SlotFilter ANY = new SlotFilter(-1, -1, -1, -1);

    public static SlotFilter parse(String text) {
        String s = text.trim();
        int func = -1;
        int dot = s.lastIndexOf('.');
        if (dot >= 0) {
            func = part(s.substring(dot + 1), 7, "function", text);
            s = s.substring(0, dot);
        }
        String[] parts = s.split(":", -1);
        if (parts.length > 3) {
            throw new LspciException("-s " + text + ": too many ':' (want [[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]])");
        }
        int domain = -1;
        int bus = -1;
        int slot;
        int i = 0;
        if (parts.length == 3) {
            domain = part(parts[i++], 0x7fff_ffff, "domain", text);
        }
        if (parts.length >= 2) {
            bus = part(parts[i++], 0xff, "bus", text);
        }
        slot = part(parts[i], 0x1f, "slot", text);
        return new SlotFilter(domain, bus, slot, func);
    }

    private static int part(String p, int max, String what, String text) {
        if (p.isEmpty() || p.equals("*")) {
            return -1;
        }
        long v;
        try {
            v = Long.parseLong(p, 16);
        } catch (NumberFormatException e) {
            throw new LspciException("-s " + text + ": invalid " + what + " number '" + p + "'");
        }
        if (v < 0 || v > max) {
            throw new LspciException(String.format("-s %s: %s number %s is above 0x%x", text, what, p, max));
        }
        return (int) v;
    }

    public boolean matches(int dom, int b, int devfn) {
        return (domain < 0 || domain == dom) && (bus < 0 || bus == b) && (slot < 0 || slot == devfn >> 3)
                && (function < 0 || function == (devfn & 7));
    }

    public boolean matches(ConfigImage c) {
        return matches(c.segment(), c.bus(), c.devfn());
    }
}
