package org.trapdoor.hw.configimage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.pci.PciDevice;
import org.trapdoor.api.pci.PciDeviceFactory;

/**
 * {@code --device image,file=PATH[,barN=SIZE...]}: an endpoint from an {@code lspci -x/-xxx/-xxxx}
 * dump. SIZE is bytes in decimal or 0x hex, with an optional K, M or G suffix (binary).
 */
// The type and options as component properties too: the launcher's --help reads them from the
// component description without starting the framework (the options listed are the ones create takes).
@Component(service = PciDeviceFactory.class, property = {"trapdoor.device.type=image",
        "trapdoor.device.option=file=PATH  an lspci -x, -xxx or -xxxx dump (required)",
        "trapdoor.device.option=barN=SIZE  size of BAR N in bytes: decimal or 0x hex, K, M or G suffix"})
public class ImageDeviceFactory implements PciDeviceFactory {
    private static final Logger LOG = LoggerFactory.getLogger(ImageDeviceFactory.class);

    @Override
    public String type() {
        return "image";
    }

    @Override
    public PciDevice create(Map<String, String> options) {
        String file = null;
        Map<Integer, Long> sizes = new HashMap<>();
        for (Map.Entry<String, String> e : options.entrySet()) {
            String key = e.getKey();
            if (key.equals("file")) {
                file = e.getValue();
            } else if (key.matches("bar[0-9]+")) {
                sizes.put(Integer.parseInt(key.substring(3)), parseSize(key, e.getValue()));
            } else {
                throw new IllegalArgumentException("image: unknown option '" + key + "' (known: file=PATH, barN=SIZE)");
            }
        }
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException("image: file=PATH is required (an lspci -x/-xxx/-xxxx dump)");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException ex) {
            throw new IllegalArgumentException("image: " + file + ": no such file");
        } catch (java.nio.file.AccessDeniedException ex) {
            throw new IllegalArgumentException("image: " + file + ": permission denied");
        } catch (java.nio.charset.CharacterCodingException ex) {
            throw new IllegalArgumentException("image: " + file + ": not a text file (an lspci -x/-xxx/-xxxx dump is text)");
        } catch (IOException | RuntimeException ex) {
            // The exception's own message is often only the path again, or a Java phrase: say what was meant.
            throw new IllegalArgumentException("image: cannot read " + file
                    + (Files.isDirectory(Path.of(file)) ? ": it is a directory" : ""));
        }
        ImageDevice d = new ImageDevice(ConfigImage.parse(file, lines), sizes);
        LOG.debug("created {}", d.describe());
        return d;
    }

    static long parseSize(String key, String value) {
        String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (v.endsWith("K") || v.endsWith("M") || v.endsWith("G")) {
            unit = v.endsWith("K") ? 1L << 10 : v.endsWith("M") ? 1L << 20 : 1L << 30;
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = v.startsWith("0X") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException ex) {
            throw new IllegalArgumentException("image: " + key + "=" + value
                    + " is not a size (bytes, 0x hex, or with K/M/G)");
        }
    }
}
