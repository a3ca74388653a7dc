package org.trapdoor.shell.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.function.Function;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.Toolstack;

/**
 * The launcher's {@code --create FILE.cfg} options: the files are read here, once, and their
 * contents written into the Xen component's configuration (PID {@value #XEN_PID}: {@code create}
 * the contents, {@code create.source} the names, in order), so Xen creates those DomUs at boot as
 * {@code xl create} would, instead of its default {@code guest1}. A file that cannot be read, or
 * that the toolstack refuses, is a bad argument (status 2) with xl's one line.
 */
final class XenCreate {
    /** Framework property: the files, one per line. */
    static final String PROPERTY = "trapdoor.create";
    static final String XEN_PID = "org.trapdoor.xen";
    static final String CREATE = "create";
    static final String CREATE_SOURCE = "create.source";

    /** One file as given on the command line and what it holds. */
    record CreateFile(String name, String text) {
    }

    /** A file that could not be read; the message names it. */
    static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message);
        }
    }

    private XenCreate() {
    }

    /** Reads the files the framework property names; empty without {@code --create}. */
    static List<CreateFile> read(Function<String, String> properties) throws Unreadable {
        List<CreateFile> out = new ArrayList<>();
        String names = properties.apply(PROPERTY);
        if (names == null) {
            return out;
        }
        for (String name : names.split("\n")) {
            if (name.isBlank()) {
                continue;
            }
            try {
                out.add(new CreateFile(name, Files.readString(Path.of(name), StandardCharsets.UTF_8)));
            } catch (NoSuchFileException e) {
                throw new Unreadable("Failed to read config file: " + name + ": No such file or directory");
            } catch (IOException | RuntimeException e) {
                throw new Unreadable("Failed to read config file: " + name + ": " + CommandScript.message(e));
            }
        }
        return out;
    }

    /** Writes the Xen component's configuration; nothing without {@code --create}. */
    static void configure(ConfigurationAdmin configAdmin, List<CreateFile> files) throws IOException {
        configure(configAdmin, files, List.of());
    }

    /**
     * Writes the Xen component's configuration, the start-up domains and the {@code --policy}
     * choices ({@link XenPolicies}) in one update; nothing without either.
     */
    static void configure(ConfigurationAdmin configAdmin, List<CreateFile> files, List<XenPolicies.Choice> policies)
            throws IOException {
        if (files.isEmpty() && policies.isEmpty()) {
            return;
        }
        Hashtable<String, Object> props = new Hashtable<>();
        if (!files.isEmpty()) {
            props.put(CREATE, files.stream().map(CreateFile::text).toArray(String[]::new));
            props.put(CREATE_SOURCE, files.stream().map(CreateFile::name).toArray(String[]::new));
        }
        if (!policies.isEmpty()) {
            props.put(XenPolicies.POLICY, XenPolicies.value(policies));
        }
        Configuration c = configAdmin.getConfiguration(XEN_PID, "?");
        c.update(props);
    }

    /**
     * Checks every file with the toolstack before anything is configured, so a bad file creates
     * nothing and is reported once: waits for the toolstack's bundle (it starts with the machine's
     * bundles, while this session runs) until the framework has started, at most {@code timeoutMs}.
     *
     * @return the first refusal's line, or null when every file reads
     */
    static String check(BundleContext context, List<CreateFile> files, long timeoutMs) throws InterruptedException {
        if (files.isEmpty()) {
            return null;
        }
        ServiceTracker<Toolstack, Toolstack> tracker = new ServiceTracker<>(context, Toolstack.class, null);
        tracker.open();
        try {
            long end = System.currentTimeMillis() + timeoutMs;
            Toolstack ts = tracker.waitForService(100);
            while (ts == null && System.currentTimeMillis() < end && context.getBundle(0).getState() != Bundle.ACTIVE) {
                ts = tracker.waitForService(100);
            }
            if (ts == null) {
                ts = tracker.getService();
            }
            if (ts == null) {
                return "--create: no Xen toolstack (bundle org.trapdoor.xen) to read " + files.get(0).name();
            }
            return check(ts, files);
        } finally {
            tracker.close();
        }
    }

    static String check(Toolstack ts, List<CreateFile> files) {
        if (ts == null) {
            return null;
        }
        for (CreateFile f : files) {
            try {
                ts.readConfig(f.name(), f.text());
            } catch (HypervisorException e) {
                return e.getMessage();
            }
        }
        return null;
    }
}
