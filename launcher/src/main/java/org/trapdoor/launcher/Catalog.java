package org.trapdoor.launcher;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What {@code --help} lists beside the options, as {@code qemu -machine help} and
 * {@code -device help} do: the platform presets and the {@code --device} types with their
 * options. Read from the bundle jars themselves (packed, and in {@code plugins/}) without
 * starting the framework: presets are the core bundle's {@code presets/NAME.dts} (described by
 * their first comment's first sentence), device types the Declarative Services components that
 * provide {@code PciDeviceFactory}, with their {@code trapdoor.device.type} and
 * {@code trapdoor.device.option} properties.
 */
final class Catalog {
    static final String PRESET_DIR = "presets/";
    private static final String FACTORY = "org.trapdoor.api.pci.PciDeviceFactory";
    private static final Pattern PROPERTY = Pattern.compile(
            "<property\\s+name=\"([^\"]+)\"([^>]*?)(?:/>|>([^<]*)</property>)", Pattern.DOTALL);
    private static final Pattern VALUE = Pattern.compile("value=\"([^\"]*)\"");
    /** Common to every type: the machine handles it. */
    static final String ADDR_OPTION = "addr=SS.F    slot and function on bus 0 (default: the next free slot)";

    /** A device type and the options it takes, one line each. */
    record DeviceType(String name, List<String> options) {
    }

    private final Map<String, String> presets = new TreeMap<>();
    private final Map<String, DeviceType> devices = new TreeMap<>();

    /** Reads every jar's presets and device types. */
    static Catalog of(Iterable<byte[]> jars) throws IOException {
        Catalog c = new Catalog();
        for (byte[] jar : jars) {
            c.read(jar);
        }
        return c;
    }

    /** The jars in a plugins folder, or none if it is not there. */
    static List<byte[]> plugins(Path dir) {
        List<byte[]> out = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                try {
                    out.add(Files.readAllBytes(f));
                } catch (IOException e) {
                    // a jar that cannot be read lists nothing; the shell reports it when it starts
                }
            }
        } catch (IOException e) {
            // no plugins listed
        }
        return out;
    }

    private void read(byte[] jar) throws IOException {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                String name = e.getName();
                if (name.startsWith(PRESET_DIR) && name.endsWith(".dts") && name.indexOf('/', PRESET_DIR.length()) < 0) {
                    String preset = name.substring(PRESET_DIR.length(), name.length() - 4);
                    presets.put(preset, describe(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                } else if (name.startsWith("OSGI-INF/") && name.endsWith(".xml")) {
                    component(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a jar: nothing to list from it
        }
    }

    /** The first sentence of a preset's leading comment, without {@code Trapdoor preset "NAME": }. */
    static String describe(String dts) {
        StringBuilder text = new StringBuilder();
        for (String line : dts.lines().toList()) {
            String l = line.strip();
            if (!l.startsWith("//")) {
                break;
            }
            text.append(l.substring(2).strip()).append(' ');
        }
        String t = text.toString().strip().replaceFirst("^Trapdoor preset \"[^\"]*\":\\s*", "");
        int end = t.indexOf(". ");
        if (end >= 0) {
            t = t.substring(0, end);
        } else if (t.endsWith(".")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    private void component(String xml) {
        if (!xml.contains("interface=\"" + FACTORY + "\"")) {
            return;
        }
        String type = null;
        List<String> options = new ArrayList<>();
        Matcher m = PROPERTY.matcher(xml);
        while (m.find()) {
            List<String> values = new ArrayList<>();
            Matcher v = VALUE.matcher(m.group(2));
            if (v.find()) {
                values.add(unescape(v.group(1)));
            } else if (m.group(3) != null) {
                for (String line : m.group(3).split("\n")) {
                    if (!line.isBlank()) {
                        values.add(unescape(line.strip()));
                    }
                }
            }
            if (m.group(1).equals("trapdoor.device.type") && !values.isEmpty()) {
                type = values.get(0);
            } else if (m.group(1).equals("trapdoor.device.option")) {
                options.addAll(values);
            }
        }
        if (type != null) {
            devices.put(type, new DeviceType(type, List.copyOf(options)));
        }
    }

    private static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
                .replace("&amp;", "&");
    }

    Map<String, String> presets() {
        return presets;
    }

    Map<String, DeviceType> devices() {
        return devices;
    }

    /** The two sections {@code --help} appends to the options. */
    String render() {
        StringBuilder sb = new StringBuilder();
        String nl = System.lineSeparator();
        sb.append("Platform presets (--platform NAME):").append(nl);
        int w = presets.keySet().stream().mapToInt(String::length).max().orElse(0);
        presets.forEach((name, what) -> sb.append("  ").append(pad(name, w)).append("  ").append(what).append(nl));
        if (presets.isEmpty()) {
            sb.append("  (none packed)").append(nl);
        }
        sb.append(nl).append("Device types (--device TYPE[,addr=SS.F][,key=value...]):").append(nl);
        for (DeviceType d : devices.values()) {
            sb.append("  ").append(d.name()).append(nl);
            sb.append("    ").append(ADDR_OPTION).append(nl);
            for (String o : d.options()) {
                sb.append("    ").append(o).append(nl);
            }
        }
        if (devices.isEmpty()) {
            sb.append("  (none packed)").append(nl);
        }
        return sb.toString();
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }
}
