package org.trapdoor.shell.plugins;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * {@link BundleOps} on the framework. Plugins are installed from a copy of the jar's bytes (the
 * file may change or go while the bundle runs) under the location {@code plugins:FILE}, at the
 * hardware bundles' start level or the framework's if lower, so their drivers are there before
 * the machine is made.
 * Built-in bundles are the ones the launcher packed: location {@code trapdoor:...}.
 */
final class FrameworkBundleOps implements BundleOps {
    static final String LOCATION_PREFIX = "plugins:";
    private static final String BUILT_IN_PREFIX = "trapdoor:";
    private static final long REFRESH_TIMEOUT_MS = 10_000;

    private final BundleContext context;
    private final int startLevel;

    FrameworkBundleOps(BundleContext context, int startLevel) {
        this.context = context;
        this.startLevel = startLevel;
    }

    @Override
    public List<Installed> named(String symbolicName) {
        List<Installed> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                out.add(new Installed(b.getBundleId(), symbolicName, b.getVersion(),
                        b.getLocation().startsWith(BUILT_IN_PREFIX)));
            }
        }
        return out;
    }

    @Override
    public long installAndStart(Path jar) throws Exception {
        Bundle b;
        try (InputStream in = Files.newInputStream(jar)) {
            b = context.installBundle(LOCATION_PREFIX + jar.getFileName(), in);
        }
        try {
            // Never above the level the framework is at: a start that is put off is a failure
            // (a missing package) nobody hears of. At start-up that is the shell's level, still
            // before the machine's.
            int now = frameworkLevel();
            if (startLevel > 0) {
                b.adapt(BundleStartLevel.class).setStartLevel(Math.max(1, Math.min(startLevel, now)));
            }
            b.start();
            if (b.getState() != Bundle.ACTIVE && b.getState() != Bundle.STARTING) {
                throw new BundleException("it did not start");
            }
        } catch (Exception e) {
            try {
                b.uninstall();
            } catch (BundleException | IllegalStateException ignored) {
                // the failure to report is the start's
            }
            throw e;
        }
        return b.getBundleId();
    }

    private int frameworkLevel() {
        return context.getBundle(0).adapt(org.osgi.framework.startlevel.FrameworkStartLevel.class).getStartLevel();
    }

    @Override
    public void update(long id, Path jar) throws Exception {
        Bundle b = bundle(id);
        try (InputStream in = Files.newInputStream(jar)) {
            b.update(in);
        }
        refresh(b);
    }

    @Override
    public void uninstall(long id) throws Exception {
        Bundle b = bundle(id);
        b.uninstall();
        refresh(b);
    }

    @Override
    public void stop(long id) throws Exception {
        bundle(id).stop();
    }

    @Override
    public void start(long id) throws Exception {
        bundle(id).start();
    }

    private Bundle bundle(long id) throws BundleException {
        Bundle b = context.getBundle(id);
        if (b == null) {
            throw new BundleException("bundle " + id + " is gone");
        }
        return b;
    }

    /** Drops the old revision now (no bundle keeps a plugin's classes after it went), waiting for the refresh. */
    private void refresh(Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        FrameworkListener l = event -> done.countDown();
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), l);
        done.await(REFRESH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
}
