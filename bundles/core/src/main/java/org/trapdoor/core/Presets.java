package org.trapdoor.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DeviceTreeLoader;

/** The built-in platforms: device-tree sources packed in this bundle under {@code /presets/}. */
public final class Presets {
    /** The platform used when none is configured. */
    public static final String DEFAULT = "virt";
    /** Every preset, by name. */
    public static final List<String> NAMES = List.of("virt", "virt-noiommu", "virt-gicv2m", "zcu102", "axi", "mustang");

    private Presets() {
    }

    /** The DTS source of a preset, or null if {@code name} is not one. */
    public static String source(String name) {
        if (!NAMES.contains(name)) {
            return null;
        }
        try (InputStream in = Presets.class.getResourceAsStream("/presets/" + name + ".dts")) {
            if (in == null) {
                throw new DeviceTreeException("preset " + name + " is missing from the core bundle");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DeviceTreeException("preset " + name + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Loads {@code platform}: a preset name, or a {@code .dts}/{@code .dtb} file.
     *
     * @throws DeviceTreeException for an unknown platform or an invalid tree (message for the user)
     */
    public static DeviceTree load(DeviceTreeLoader loader, String platform) {
        if (platform == null || platform.isBlank()) {
            platform = DEFAULT;
        }
        String src = source(platform);
        if (src != null) {
            return loader.parseDts(src, "preset:" + platform);
        }
        Path file = Path.of(platform);
        if (!Files.isRegularFile(file)) {
            throw new DeviceTreeException("unknown platform '" + platform + "': not a preset (" + String.join(", ", NAMES)
                    + ") and no such .dts/.dtb file");
        }
        return loader.load(file);
    }
}
