package org.trapdoor.xen.toolstack;

import org.trapdoor.api.hypervisor.PciSpec;

/**
 * A PCI_SPEC_STRING as {@code xl-pci-configuration(5)} defines it and libxlu's
 * {@code xlu_pci_parse_spec_string} reads it: an optional positional {@code [DDDD:]BB:DD.F}
 * with an optional {@code @VSLOT}, then {@code KEY=VALUE} pairs separated by commas
 * ({@code bdf}, {@code vslot}, {@code permissive}, {@code seize}, {@code msitranslate},
 * {@code power_mgmt}, {@code rdm_policy}, {@code name}). Numbers in the BDF and the vslot are hex.
 *
 * <p>Where this refuses what libxlu accepts, it says why: {@code F} = {@code *} (every function
 * of the device) and {@code name=} (a function by its {@code pci-assignable-add -n} name) have
 * no counterpart in {@link PciSpec}. {@code msitranslate}, {@code power_mgmt} and
 * {@code rdm_policy} are checked and then dropped: they do nothing on Arm, as libxl on Arm
 * ignores them. Flags take a decimal number, non-zero meaning on (libxlu's {@code atoi}, minus
 * its silent 0 for text that is no number).
 */
public final class PciSpecParser {
    /** The per-domain defaults a spec starts from ({@code pci_permissive}, {@code pci_seize}). */
    public record Defaults(boolean permissive, boolean seize) {
        public static final Defaults NONE = new Defaults(false, false);
    }

    private PciSpecParser() {
    }

    /**
     * Parses {@code spec} starting from {@code defaults}.
     *
     * @throws IllegalArgumentException with the reason, for the caller to put in xl's message
     */
    public static PciSpec parse(String spec, Defaults defaults) {
        int[] bdf = null;
        int vslot = -1;
        boolean permissive = defaults.permissive();
        boolean seize = defaults.seize();
        int[] pos = {0};
        int[] positional = bdf(spec, pos);
        if (positional != null) {
            bdf = positional;
            if (pos[0] < spec.length() && spec.charAt(pos[0]) == '@') {
                pos[0]++;
                vslot = vslot(spec, pos);
            }
            if (pos[0] < spec.length() && spec.charAt(pos[0]) == ',') {
                pos[0]++;
            } else if (pos[0] < spec.length()) {
                throw new IllegalArgumentException("unexpected `" + spec.substring(pos[0]) + "' after the BDF");
            }
        }
        int p = pos[0];
        while (p < spec.length()) {
            int eq = spec.indexOf('=', p);
            if (eq < 0) {
                throw new IllegalArgumentException("`" + spec.substring(p) + "' is not a BDF ([DDDD:]BB:DD.F[@VSLOT]) nor KEY=VALUE");
            }
            String key = spec.substring(p, eq);
            int comma = spec.indexOf(',', eq + 1);
            int end = comma < 0 ? spec.length() : comma;
            String val = spec.substring(eq + 1, end);
            p = comma < 0 ? end : comma + 1;
            switch (key) {
                case "bdf" -> {
                    int[] q = {0};
                    int[] b = bdf(val, q);
                    if (b == null || q[0] != val.length()) {
                        throw new IllegalArgumentException("bad BDF `" + val + "'");
                    }
                    bdf = b;
                }
                case "vslot" -> {
                    int[] q = {0};
                    vslot = vslot(val, q);
                    if (q[0] != val.length()) {
                        throw new IllegalArgumentException("bad vslot `" + val + "'");
                    }
                }
                case "permissive" -> permissive = flag(key, val);
                case "seize" -> seize = flag(key, val);
                case "msitranslate", "power_mgmt" -> flag(key, val);
                case "rdm_policy" -> {
                    if (!val.equals("strict") && !val.equals("relaxed")) {
                        throw new IllegalArgumentException("Unknown RDM policy: " + val);
                    }
                }
                case "name" -> throw new IllegalArgumentException(
                        "name= (a function named by pci-assignable-add -n) is not supported; give its BDF");
                default -> throw new IllegalArgumentException("Unknown PCI_SPEC_STRING option: " + key);
            }
        }
        if (bdf == null) {
            throw new IllegalArgumentException("no BDF");
        }
        return new PciSpec(bdf[0], bdf[1], bdf[2], bdf[3], vslot, permissive, seize);
    }

    /**
     * A bare BDF, the whole string ({@code xlu_pci_parse_bdf}, which would ignore what follows).
     *
     * @throws IllegalArgumentException with the reason
     */
    public static PciSpec parseBdf(String s) {
        int[] pos = {0};
        int[] b = bdf(s, pos);
        if (b == null) {
            throw new IllegalArgumentException("not [DDDD:]BB:DD.F (hex; bus 0-ff, device 0-1f, function 0-7)");
        }
        if (pos[0] != s.length()) {
            throw new IllegalArgumentException("unexpected `" + s.substring(pos[0]) + "' after the BDF");
        }
        return new PciSpec(b[0], b[1], b[2], b[3], -1, false, false);
    }

    /**
     * libxlu's {@code parse_bdf} at {@code pos[0]}: {@code BB:DD.F} or {@code DDDD:BB:DD.F} by the
     * number of colons in the leading run of hex digits and colons; null when that is neither.
     * Advances {@code pos[0]} past it.
     */
    static int[] bdf(String s, int[] pos) {
        int start = pos[0];
        int run = start;
        int colons = 0;
        while (run < s.length() && (Character.digit(s.charAt(run), 16) >= 0 || s.charAt(run) == ':')) {
            if (s.charAt(run) == ':') {
                colons++;
            }
            run++;
        }
        if (colons != 1 && colons != 2) {
            return null;
        }
        int[] p = {start};
        int domain = 0;
        if (colons == 2) {
            domain = hex(s, p, 0xffff);
            if (domain < 0 || !take(s, p, ':')) {
                return null;
            }
        }
        int bus = hex(s, p, 0xff);
        if (bus < 0 || !take(s, p, ':')) {
            return null;
        }
        int dev = hex(s, p, 0x1f);
        if (dev < 0 || !take(s, p, '.')) {
            return null;
        }
        if (p[0] < s.length() && s.charAt(p[0]) == '*') {
            throw new IllegalArgumentException("function `*' (every function of the device) is not supported;"
                    + " give each function");
        }
        int func = hex(s, p, 7);
        if (func < 0) {
            return null;
        }
        pos[0] = p[0];
        return new int[] {domain, bus, dev, func};
    }

    /** {@code parse_vslot}: hex, at most 0x1f. */
    private static int vslot(String s, int[] pos) {
        int v = hex(s, pos, 0x1f);
        if (v < 0) {
            throw new IllegalArgumentException("bad vslot `" + s.substring(Math.min(pos[0], s.length()))
                    + "' (hex, 0-1f)");
        }
        return v;
    }

    /** Hex digits at {@code p[0]} no greater than {@code max}; -1 if there are none or it is greater. */
    private static int hex(String s, int[] p, int max) {
        int i = p[0];
        long v = 0;
        while (i < s.length() && Character.digit(s.charAt(i), 16) >= 0) {
            v = v * 16 + Character.digit(s.charAt(i), 16);
            if (v > max) {
                return -1;
            }
            i++;
        }
        if (i == p[0]) {
            return -1;
        }
        p[0] = i;
        return (int) v;
    }

    private static boolean take(String s, int[] p, char c) {
        if (p[0] < s.length() && s.charAt(p[0]) == c) {
            p[0]++;
            return true;
        }
        return false;
    }

    private static boolean flag(String key, String val) {
        try {
            return Integer.parseInt(val.strip()) != 0;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + val + " is not a number (0 or 1)");
        }
    }
}
