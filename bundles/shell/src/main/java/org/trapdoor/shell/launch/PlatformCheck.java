package org.trapdoor.shell.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.trapdoor.api.dt.DeviceTreeLoader;

/**
 * Checks a {@code --platform} that names a file before the machine is configured, so that a
 * missing, malformed or truncated device tree is one clear line, not a failed component.
 * Preset names are left to the machine, which knows its presets.
 */
public final class PlatformCheck {
    private PlatformCheck() {
    }

    /** Thrown with a message for the user: the file and what is wrong with it. */
    public static final class BadPlatform extends Exception {
        private static final long serialVersionUID = 1L;

        BadPlatform(String message) {
            super(message);
        }
    }

    /** A platform value names a file when it has a path separator, a .dts/.dtb suffix, or exists. */
    public static boolean isFile(String platform) {
        String lower = platform.toLowerCase(Locale.ROOT);
        return platform.contains("/") || platform.contains("\\") || lower.endsWith(".dts") || lower.endsWith(".dtb")
                || Files.exists(Path.of(platform));
    }

    /**
     * Returns the value to configure: a preset name unchanged, a file as an absolute path after
     * the loader has read it successfully.
     *
     * @throws BadPlatform naming the file and the problem
     */
    public static String check(DeviceTreeLoader loader, String platform) throws BadPlatform {
        if (platform == null || !isFile(platform)) {
            return platform;
        }
        Path file = Path.of(platform).toAbsolutePath().normalize();
        if (!Files.exists(file)) {
            throw new BadPlatform(platform + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new BadPlatform(platform + ": not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new BadPlatform(platform + ": not readable");
        }
        try {
            loader.load(file);
        } catch (RuntimeException e) {
            String msg = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
            // The loader's messages usually name the file already; say it once.
            String name = file.getFileName().toString();
            throw new BadPlatform(msg.contains(name) ? msg : platform + ": " + msg);
        }
        return file.toString();
    }
}
