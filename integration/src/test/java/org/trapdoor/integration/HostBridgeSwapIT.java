package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

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
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * The default platform composed in Felix from the real bundles: the host bridge binds to the
 * ECAM bundle's driver, enumeration finds the endpoints, and the bridge follows its driver
 * bundle as it stops and starts, and a better-ranked driver that appears later.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class HostBridgeSwapIT {
    private static final String BRIDGE = "/pcie@10000000";

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private MachineProbe probe;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @Before
    public void composeDefaultPlatform() throws Exception {
        org.osgi.service.cm.Configuration c = configurationAdmin.getConfiguration("org.trapdoor.machine", "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("platform", "virt");
        c.update(props);
        probe = new MachineProbe(context);
        probe.awaitBound(BRIDGE);
    }

    @After
    public void close() {
        probe.close();
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void defaultPlatformEnumeratesTwoTestDevicesBehindTheBridge() {
        List<Integer> found = probe.enumerate();
        assertTrue("00:01.0 present: " + probe.describe(found), found.contains(0x08));
        assertTrue("00:02.0 present: " + probe.describe(found), found.contains(0x10));
        assertEquals(0x1234, probe.vendorAt(0x08));
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void stoppingTheEcamBundleUnbindsTheBridgeAndStartingItRebinds() throws Exception {
        List<Integer> before = probe.enumerate();
        Bundle ecam = bundle("org.trapdoor.hw.pci.ecam");

        ecam.stop();
        NodeInfo unbound = probe.awaitState(BRIDGE, NodeState.UNBOUND);
        long countedBefore = unbound.unboundAccesses();
        assertEquals("config reads of an unbound bridge are all-ones", 0xffff_ffffL, probe.configDword(0x08, 0));
        long counted = probe.machine().node(BRIDGE).unboundAccesses();
        assertTrue("unbound accesses are counted (" + countedBefore + " -> " + counted + ")", counted > countedBefore);

        ecam.start();
        probe.awaitBound(BRIDGE);
        assertEquals("enumeration after re-bind finds the same devices", before, probe.enumerate());
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void aBetterRankedDriverForTheSameCompatibleTakesOverLive() throws Exception {
        // The built-in bridge also presents its own host-bridge function at 00:00.0; the plain
        // one does not, so compare the endpoints behind them.
        List<Integer> before = endpoints(probe.enumerate());
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("service.ranking", 100);
        ServiceRegistration<HardwareDriver> reg = context.registerService(HardwareDriver.class, new PlainEcamDriver(), props);
        try {
            NodeInfo taken = probe.awaitDriver(BRIDGE, PlainEcamDriver.NAME);
            assertEquals(NodeState.BOUND, taken.state());
            assertEquals("the new driver enumerates the same devices", before, endpoints(probe.enumerate()));
            assertTrue("config accesses went through the new model", PlainEcamDriver.accesses() > 0);
        } finally {
            reg.unregister();
        }
        NodeInfo back = probe.awaitDriver(BRIDGE, "pci-ecam");
        assertNotNull(back);
        assertEquals(before, endpoints(probe.enumerate()));
    }

    private static List<Integer> endpoints(List<Integer> devfns) {
        List<Integer> out = new java.util.ArrayList<>(devfns);
        out.remove(Integer.valueOf(0));
        return out;
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("bundle " + bsn + " is not installed");
    }

}
