package org.trapdoor.core.pci;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A QEMU-style device specification, {@code TYPE[,key=value]...}, e.g.
 * {@code testdev,addr=01.0,msi=4}. The machine consumes {@code addr} (slot.function, hex),
 * {@code bridge} (a host-bridge path or label) and {@code bus} (QEMU's {@code pcie.N}, the
 * N-th host bridge, or a path or label); the rest goes to the device factory.
 *
 * @param devfn  the requested devfn, or -1 for the first free slot
 * @param bridge the requested host bridge, or null for the first one
 */
public record DeviceSpec(String text, String type, int devfn, String bridge, Map<String, String> options) {

    /** @throws IllegalArgumentException with a message for the user */
    public static DeviceSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty device specification (expected TYPE[,key=value...])");
        }
        String[] parts = text.trim().split(",");
        String type = parts[0].trim();
        if (type.isEmpty() || type.contains("=")) {
            throw new IllegalArgumentException("device '" + text + "': the first item must be the device type");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq).trim();
            String value = eq < 0 ? "on" : p.substring(eq + 1).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("device '" + text + "': empty option name in '" + p + "'");
            }
            if (options.put(key, value) != null) {
                throw new IllegalArgumentException("device '" + text + "': option '" + key + "' given twice");
            }
        }
        int devfn = -1;
        String addr = options.remove("addr");
        if (addr != null) {
            devfn = parseAddr(text, addr);
        }
        String bridge = options.remove("bridge");
        String bus = options.remove("bus");
        if (bridge != null && bus != null) {
            throw new IllegalArgumentException("device '" + text + "': give bridge= or bus=, not both");
        }
        return new DeviceSpec(text, type, devfn, bridge != null ? bridge : bus, Map.copyOf(options));
    }

    /** {@code SS.F} or {@code SS} in hex, as QEMU's {@code addr=}. */
    private static int parseAddr(String text, String addr) {
        String a = addr.startsWith("0x") ? addr.substring(2) : addr;
        int dot = a.indexOf('.');
        try {
            int slot = Integer.parseInt(dot < 0 ? a : a.substring(0, dot), 16);
            int fn = dot < 0 ? 0 : Integer.parseInt(a.substring(dot + 1), 16);
            if (slot < 0 || slot > 31 || fn < 0 || fn > 7) {
                throw new NumberFormatException();
            }
            return slot << 3 | fn;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device '" + text + "': addr=" + addr
                    + " is not SLOT.FN (slot 00..1f, function 0..7, hex)");
        }
    }
}
