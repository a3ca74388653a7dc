package org.trapdoor.integration;

import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.machine.Machine;

/**
 * A platform preset's machine and the services around it, for the suites that drive one preset
 * themselves (vendor bridges, driver upgrades): {@link #boot} configures the machine and waits
 * for the one this configuration made, {@link #service} waits for any service, and every tracker
 * opened is closed by {@link #close}. Unlike {@link MsiRig}, nothing waits for the guest unless
 * asked ({@link #awaitGuest}), so a suite can hold the guest back and look at the bridge first.
 */
final class PresetServices implements AutoCloseable {
    static final long TIMEOUT_MS = 10_000;

    private final BundleContext context;
    private final ConfigurationAdmin configurationAdmin;
    private final List<ServiceTracker<?, ?>> trackers = new ArrayList<>();

    PresetServices(BundleContext context, ConfigurationAdmin configurationAdmin) {
        this.context = context;
        this.configurationAdmin = configurationAdmin;
    }

    /**
     * Configures the machine with {@code platform} and waits for its {@link Machine} service (the
     * configuration's fresh {@link MsiRig#BOOT} token, repeated by the service, tells it from an
     * older machine of the same platform).
     */
    Machine boot(String platform) throws Exception {
        String token = platform + "@" + System.nanoTime();
        org.osgi.service.cm.Configuration c = configurationAdmin.getConfiguration(MsiRig.MACHINE_PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("platform", platform);
        props.put(MsiRig.BOOT, token);
        c.update(props);
        ServiceTracker<Machine, Machine> t = new ServiceTracker<>(context,
                context.createFilter("(&(" + Constants.OBJECTCLASS + "=" + Machine.class.getName() + ")(" + MsiRig.BOOT
                        + "=" + token + "))"), null);
        t.open();
        trackers.add(t);
        Machine m = t.waitForService(TIMEOUT_MS);
        assertNotNull("a machine for " + platform, m);
        return m;
    }

    /** The guest kernel, once it has booted. */
    GuestKernel awaitGuest() throws Exception {
        GuestKernel g = service(GuestKernel.class);
        assertTrue(g.awaitBooted(TIMEOUT_MS));
        return g;
    }

    /** A service of {@code type}, waited for; none within the time-out fails the test. */
    <T> T service(Class<T> type) {
        ServiceTracker<T, T> t = new ServiceTracker<>(context, type, null);
        t.open();
        trackers.add(t);
        try {
            T s = t.waitForService(TIMEOUT_MS);
            assertNotNull("a " + type.getSimpleName() + " service", s);
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The installed bundle {@code name}. */
    Bundle bundle(String name) {
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + name);
    }

    /** The guest's handled count of each vector, by {@code BDF#vector}. */
    static Map<String, Long> counts(GuestKernel g) {
        Map<String, Long> out = new HashMap<>();
        for (GuestMsiVector v : g.msiVectors()) {
            out.put(v.bdf() + "#" + v.vector(), v.count());
        }
        return out;
    }

    @Override
    public void close() {
        trackers.forEach(ServiceTracker::close);
    }
}
