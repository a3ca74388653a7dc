package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.ConfigurationAdmin;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.MsiSource;

/**
 * Two versions of the NWL driver on a running ZCU102 under MSI traffic: version 2 (the NWL
 * bundle at another version, its driver better ranked) is installed while the guest's
 * endpoints raise MSIs flat out, the bridge moves to it with its state (bring-up, MSI
 * ingress, bitmap, root port) handed over, version 1 is uninstalled, and every MSI raised
 * meanwhile is delivered and reaches the guest's handler for its own vector, each vector's
 * count exact.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class NwlDriverUpgradeIT {
    private static final String PCIE = "/axi/pcie@fd0e0000";
    private static final String NWL = "org.trapdoor.hw.xlnx.nwl";
    private static final String DRIVER_XML = "OSGI-INF/org.trapdoor.hw.xlnx.nwl.NwlDriver.xml";
    /** The NWL model's state layout name (NwlState.FORMAT, a constant compiled into its class). */
    private static final String STATE_FORMAT = "xlnx,nwl-pcie-2.11 state 1";
    /** Constants renamed by {@link #renameStateFormat}: a test that renamed none proves nothing. */
    private static final AtomicLong renamed = new AtomicLong();
    private static final long TIMEOUT_MS = 10_000;
    /** MSIs per vector in one burst: 16 vectors, so a burst spreads evenly. */
    private static final int PER_VECTOR = 500;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private PresetServices rig;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @Before
    public void rig() {
        rig = new PresetServices(context, configurationAdmin);
    }

    @After
    public void closeTrackers() {
        rig.close();
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void version2TakesTheBridgeOverUnderTrafficAndVersion1GoesWithNothingLostPerVector() throws Exception {
        Swap s = swapUnderTraffic(false);
        assertEquals("every MSI in the ledger: " + s.ledger, s.raised, s.ledger.fired() - s.ledger0.fired());
        assertEquals("none dropped across two versions: " + s.ledger, 0, s.ledger.dropped() - s.ledger0.dropped());
        long perVector = s.raised / 16;
        assertEquals("bursts spread evenly", 16 * perVector, s.raised);
        for (Map.Entry<String, Long> e : s.handled.entrySet()) {
            assertEquals("guest count of " + e.getKey(), perVector, (long) e.getValue());
        }
        assertEquals("the bitmap is empty once handled", 0,
                s.m.system().read(0xfd0e0000L + 0x440, 4) | s.m.system().read(0xfd0e0000L + 0x444, 4));
    }

    /**
     * The check itself: a version 2 that cannot read the state version 1 hands over (as when the
     * state was handed over as an {@code NwlState} record, which another version's class loader
     * does not know) starts from reset, and the same counts see MSIs lost. So the passing test
     * above passes because the hand-over works, not because the checks cannot fail.
     */
    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void aVersion2ThatCannotReadTheHandedOverStateLosesMsisAndTheSameChecksSeeIt() throws Exception {
        Swap s = swapUnderTraffic(true);
        long perVector = s.raised / 16;
        long dropped = s.ledger.dropped() - s.ledger0.dropped();
        long missing = s.handled.values().stream().mapToLong(c -> perVector - c).filter(d -> d > 0).sum();
        assertTrue("without the state, MSIs after the swap are lost (dropped " + dropped + ", short " + missing
                + "): " + s.ledger + " " + s.handled, dropped > 0 && missing > 0);
        assertTrue("the bridge came up from reset in version 2: " + s.m.hostBridge(PCIE).summary(),
                s.m.hostBridge(PCIE).summary().contains("bridge off"));
    }

    /** What one swap under traffic left: raised, the ledger before and after, each vector's guest count since. */
    private record Swap(Machine m, long raised, InterruptCounters.Snapshot ledger0, InterruptCounters.Snapshot ledger,
            Map<String, Long> handled) {
    }

    private Swap swapUnderTraffic(boolean forgetState) throws Exception {
        Machine m = rig.boot("zcu102");
        GuestKernel g = rig.service(GuestKernel.class);
        assertTrue(g.awaitBooted(TIMEOUT_MS));
        MachineInterrupts irq = rig.service(MachineInterrupts.class);
        List<MsiSource> sources = irq.msiSources();
        assertEquals("16 vectors through the NWL bitmap", 16, g.msiVectors().size());
        Bundle v1 = rig.bundle(NWL);
        HostBridge before = m.hostBridge(PCIE);
        assertSame("version 1 serves the bridge", v1, FrameworkUtil.getBundle(before.getClass()));

        Map<String, Long> counts0 = PresetServices.counts(g);
        InterruptCounters.Snapshot l0 = irq.msiLedger().snapshot();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong raised = new AtomicLong();
        AtomicLong bursts = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread traffic = new Thread(() -> {
            try {
                while (!stop.get() || bursts.get() < 4) {
                    Traffic.Status s = irq.traffic().run(16L * PER_VECTOR, sources);
                    raised.addAndGet(s.raised());
                    bursts.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "nwl-upgrade-traffic");
        traffic.start();

        Bundle v2 = context.installBundle("nwl-v2", new ByteArrayInputStream(version2(v1, forgetState)));
        v2.start();
        awaitBridgeFrom(m, v2);
        long swappedAt = bursts.get();
        v1.uninstall();
        while (bursts.get() < swappedAt + 2) {
            Thread.sleep(10);
        }
        stop.set(true);
        traffic.join(TIMEOUT_MS * 6);
        if (failure.get() != null) {
            throw new AssertionError("traffic failed", failure.get());
        }
        assertTrue("bursts ran before and after the swap", bursts.get() >= 4);
        assertEquals("16 vectors still", 16, g.msiVectors().size());
        assertEquals("the same NWL driver name, from version 2", List.of(PCIE), driver(m, v2).boundNodes());
        Map<String, Long> since = new HashMap<>();
        PresetServices.counts(g).forEach((k, v) -> since.put(k, v - counts0.get(k)));
        return new Swap(m, raised.get(), l0, irq.msiLedger().snapshot(), since);
    }

    /** Waits until version 2's model serves the bridge. */
    private static void awaitBridgeFrom(Machine m, Bundle v2) throws InterruptedException {
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (System.currentTimeMillis() < end) {
            HostBridge b = m.hostBridge(PCIE);
            if (b != null && FrameworkUtil.getBundle(b.getClass()) == v2) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the bridge never moved to version 2: " + m.drivers());
    }

    private static DriverInfo driver(Machine m, Bundle b) {
        for (DriverInfo d : m.drivers()) {
            if (d.origin() != null && d.origin().contains(b.getSymbolicName()) && d.origin().contains(b.getVersion().toString())) {
                return d;
            }
        }
        throw new AssertionError("no driver from " + b + ": " + m.drivers());
    }

    /**
     * Version 2: the NWL bundle at version 0.2.0, registering only its driver (the bring-up
     * service stays version 1's until it goes), ranked 10 so it takes the node from version 1.
     */
    private static byte[] version2(Bundle v1, boolean forgetState) throws IOException {
        File jar = new File(System.getProperty("trapdoor.bundles", "target/bundles"), NWL + ".jar");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarFile in = new JarFile(jar)) {
            Manifest mf = new Manifest(in.getManifest());
            Attributes a = mf.getMainAttributes();
            a.putValue(Constants.BUNDLE_VERSION, "0.2.0");
            a.putValue("Service-Component", DRIVER_XML);
            try (JarOutputStream jos = new JarOutputStream(out, mf)) {
                for (JarEntry e : java.util.Collections.list(in.entries())) {
                    if (e.getName().equals("META-INF/MANIFEST.MF")) {
                        continue;
                    }
                    jos.putNextEntry(new JarEntry(e.getName()));
                    try (InputStream s = in.getInputStream(e)) {
                        byte[] bytes = s.readAllBytes();
                        if (forgetState) {
                            bytes = renameStateFormat(bytes);
                        }
                        if (e.getName().equals(DRIVER_XML)) {
                            String xml = new String(bytes, StandardCharsets.UTF_8);
                            assertTrue("the driver's component has an implementation element", xml.contains("<implementation"));
                            bytes = xml.replace("<implementation", "<property name=\"service.ranking\" type=\"Integer\" value=\"10\"/><implementation")
                                    .getBytes(StandardCharsets.UTF_8);
                        }
                        jos.write(bytes);
                    }
                    jos.closeEntry();
                }
            }
        }
        assertNotNull(v1);
        assertTrue("the state layout name was found in version 2's classes", !forgetState || renamed.get() > 0);
        return out.toByteArray();
    }

    /**
     * Gives version 2 another state layout name, so it refuses version 1's state as it would
     * refuse another model's: the same-length constant is replaced in place in the class file.
     */
    private static byte[] renameStateFormat(byte[] bytes) {
        byte[] from = STATE_FORMAT.getBytes(StandardCharsets.UTF_8);
        byte[] to = (STATE_FORMAT.substring(0, STATE_FORMAT.length() - 1) + "0").getBytes(StandardCharsets.UTF_8);
        byte[] out = bytes.clone();
        outer:
        for (int i = 0; i + from.length <= out.length; i++) {
            for (int j = 0; j < from.length; j++) {
                if (out[i + j] != from[j]) {
                    continue outer;
                }
            }
            System.arraycopy(to, 0, out, i, to.length);
            renamed.incrementAndGet();
        }
        return out;
    }
}
