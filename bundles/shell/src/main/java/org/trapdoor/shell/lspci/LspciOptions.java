package org.trapdoor.shell.lspci;

/**
 * The options, parsed like pciutils' getopt string: flags may be combined ({@code -vn},
 * {@code -xxx}), {@code -s} takes the next word or the rest of its own.
 *
 * @param numeric 0 names, 1 numbers ({@code -n}), 2 both ({@code -nn})
 * @param verbose number of {@code -v}
 * @param hex     number of {@code -x}: 1-2 dump 64 bytes, 3 dump 256, 4 or more dump 4096
 * @param domains always print the PCI domain ({@code -D})
 * @param filter  the functions {@code -s} selects
 * @param ids     the functions {@code -d} selects (both must match)
 */
public record LspciOptions(int numeric, boolean tree, int verbose, int hex, boolean domains, SlotFilter filter,
        DeviceFilter ids) {

    public static LspciOptions parse(String... args) {
        int numeric = 0;
        int verbose = 0;
        int hex = 0;
        boolean tree = false;
        boolean domains = false;
        SlotFilter filter = SlotFilter.ANY;
        DeviceFilter ids = DeviceFilter.ANY;
        for (int i = 0; args != null && i < args.length; i++) {
            String a = args[i];
            if (a == null || !a.startsWith("-") || a.length() < 2) {
                throw new LspciException("unexpected argument '" + a + "'");
            }
            for (int k = 1; k < a.length(); k++) {
                char c = a.charAt(k);
                switch (c) {
                    case 'n' -> numeric++;
                    case 'v' -> verbose++;
                    case 'x' -> hex++;
                    case 't' -> tree = true;
                    case 'D' -> domains = true;
                    case 's', 'd' -> {
                        String value;
                        if (k + 1 < a.length()) {
                            value = a.substring(k + 1);
                        } else if (i + 1 < args.length) {
                            value = args[++i];
                        } else if (c == 's') {
                            throw new LspciException("option -s needs [[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]]");
                        } else {
                            throw new LspciException("option -d needs [VENDOR]:[DEVICE][:CLASS[:PROGIF]]");
                        }
                        if (c == 's') {
                            filter = SlotFilter.parse(value);
                        } else {
                            ids = DeviceFilter.parse(value);
                        }
                        k = a.length();
                    }
                    default -> throw new LspciException("unknown option -" + c
                            + " (use -n -t -v -x -xxx -xxxx -D -s SLOT -d [VENDOR]:[DEVICE][:CLASS])");
                }
            }
        }
        return new LspciOptions(Math.min(numeric, 2), tree, verbose, hex, domains, filter, ids);
    }

    /** Whether {@code -s} and {@code -d} both select this function (pciutils {@code pci_filter_match}). */
    public boolean selects(ConfigImage f) {
        return filter.matches(f) && ids.matches(f);
    }

    /** How many bytes the hex dump shows of a function with {@code available} bytes. */
    public int dumpBytes(int available) {
        int want = hex >= 4 ? 4096 : hex == 3 ? 256 : hex > 0 ? 64 : 0;
        return Math.min(want, available);
    }
}
