package org.trapdoor.core.fuzz;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.trapdoor.api.pci.PciDeviceFactory;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * Every hardware driver and PCI device factory on the test class path, found by scanning the
 * {@code org/trapdoor/hw} packages of its jars and class folders: a fuzz test that takes its
 * models from here covers a model added (or renamed) later without being edited.
 */
final class ModelCatalog {
    private ModelCatalog() {
    }

    static List<HardwareDriver> drivers() {
        return instances(HardwareDriver.class);
    }

    static List<PciDeviceFactory> factories() {
        return instances(PciDeviceFactory.class);
    }

    private static <T> List<T> instances(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (String name : classNames()) {
            try {
                Class<?> c = Class.forName(name, false, ModelCatalog.class.getClassLoader());
                if (type.isAssignableFrom(c) && !c.isInterface() && !Modifier.isAbstract(c.getModifiers())
                        && Modifier.isPublic(c.getModifiers())) {
                    out.add(type.cast(c.getConstructor().newInstance()));
                }
            } catch (NoSuchMethodException noPublicNoArgConstructor) {
                // a model class, not a service
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new AssertionError("cannot load " + name, e);
            }
        }
        return out;
    }

    private static TreeSet<String> classNames() {
        TreeSet<String> names = new TreeSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            try {
                if (Files.isDirectory(p)) {
                    Path hw = p.resolve("org/trapdoor/hw");
                    if (Files.isDirectory(hw)) {
                        try (Stream<Path> s = Files.walk(hw)) {
                            s.map(f -> p.relativize(f).toString().replace(File.separatorChar, '/'))
                                    .forEach(n -> add(names, n));
                        }
                    }
                } else if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                    try (JarFile jar = new JarFile(p.toFile())) {
                        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements();) {
                            add(names, e.nextElement().getName());
                        }
                    }
                }
            } catch (IOException e) {
                throw new AssertionError("scanning " + entry, e);
            }
        }
        return names;
    }

    private static void add(TreeSet<String> names, String path) {
        if (path.startsWith("org/trapdoor/hw/") && path.endsWith(".class") && !path.contains("$")) {
            names.add(path.substring(0, path.length() - ".class".length()).replace('/', '.'));
        }
    }
}
