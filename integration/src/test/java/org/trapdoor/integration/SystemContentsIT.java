package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.pci.PciDeviceFactory;

/**
 * The system in the container is the whole system: exactly the hardware drivers and PCI device
 * factories the bundles must register, each from its own bundle. The other suites pass with a
 * bundle missing that they do not use (smmuv2, config-image); this one does not.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SystemContentsIT {
    /** Driver name to the bundle that must register it. */
    private static final Map<String, String> DRIVERS = new TreeMap<>(Map.ofEntries(
            Map.entry("pci-ecam", "org.trapdoor.hw.pci.ecam"),
            Map.entry("gicv3", "org.trapdoor.hw.gicv3"),
            Map.entry("gicv3-its", "org.trapdoor.hw.gicv3.its"),
            Map.entry("gicv2", "org.trapdoor.hw.gicv2"),
            Map.entry("gicv2m", "org.trapdoor.hw.gicv2m"),
            Map.entry("smmuv3", "org.trapdoor.hw.smmuv3"),
            Map.entry("smmuv2", "org.trapdoor.hw.smmuv2"),
            Map.entry("zynqmp-psgtr", "org.trapdoor.hw.zynqmp.psgtr"),
            Map.entry("xlnx-nwl", "org.trapdoor.hw.xlnx.nwl"),
            Map.entry("xlnx-axi-pcie", "org.trapdoor.hw.xlnx.axi"),
            Map.entry("xgene-pcie", "org.trapdoor.hw.xgene.pcie"),
            Map.entry("xgene-device-clock", "org.trapdoor.hw.xgene.pcie"),
            Map.entry("xgene1-msi", "org.trapdoor.hw.xgene.msi")));
    /** Device type to the bundle that must register its factory. */
    private static final Map<String, String> FACTORIES = new TreeMap<>(Map.of(
            "testdev", "org.trapdoor.hw.testdev",
            "image", "org.trapdoor.hw.configimage"));

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void theMachineHasExactlyTheDriversOfTheHardwareBundles() throws Exception {
        org.osgi.service.cm.Configuration c = configurationAdmin.getConfiguration(MsiRig.MACHINE_PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("platform", "virt");
        c.update(props);
        try (MachineProbe probe = new MachineProbe(context)) {
            awaitEqual("drivers registered with the machine (name -> bundle)", DRIVERS, () -> {
                Map<String, String> found = new TreeMap<>();
                for (DriverInfo d : probe.machine().drivers()) {
                    found.put(d.name(), d.origin().replaceAll("\\s.*", ""));
                }
                return found;
            });
        }
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void exactlyTheDeviceFactoriesOfTheEndpointBundlesAreRegistered() throws Exception {
        awaitEqual("PCI device factories (type -> bundle)", FACTORIES, () -> {
            Map<String, String> found = new TreeMap<>();
            try {
                for (ServiceReference<PciDeviceFactory> r : context.getServiceReferences(PciDeviceFactory.class, null)) {
                    PciDeviceFactory f = context.getService(r);
                    if (f != null) {
                        found.put(f.type(), r.getBundle().getSymbolicName());
                        context.ungetService(r);
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new AssertionError(e);
            }
            return found;
        });
    }

    /** Services come when their bundles' components activate: wait for the set, then compare it. */
    private static void awaitEqual(String what, Map<String, String> expected, Supplier<Map<String, String>> actual)
            throws InterruptedException {
        long end = System.currentTimeMillis() + MsiRig.TIMEOUT_MS;
        Map<String, String> now = actual.get();
        while (!now.equals(expected) && System.currentTimeMillis() < end) {
            Thread.sleep(20);
            now = actual.get();
        }
        assertEquals(what, expected, now);
    }
}
