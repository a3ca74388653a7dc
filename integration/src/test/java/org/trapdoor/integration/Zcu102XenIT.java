package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.hypervisor.HostBridgeStatus;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.api.pci.HostBridge;

/**
 * The ZCU102 under the real Xen bundle, both owners of the NWL bring-up (the thread's first
 * question on a bridge that needs one): the machine first comes up without a kernel to run, and
 * the NWL bridge refuses config access (all-ones, counted); then Xen boots. Under
 * {@code xen-init} Xen runs the bridge plugin's sequence itself when it probes the bridge, before
 * Dom0 exists; under {@code dom0-init} Dom0's {@code nwl_pcie_probe} runs it and Xen marks the
 * bridge ready on Dom0's first {@code PHYSDEVOP_pci_device_add}. Either way Dom0 then takes every
 * MSI through the NWL bitmap and its vGIC, exactly once per vector.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class Zcu102XenIT {
    private static final String PCIE = "/axi/pcie@fd0e0000";
    private static final String GUEST_BUNDLE = "org.trapdoor.guest";
    private static final String DOM0_INIT_BUNDLE = "org.trapdoor.policy.dom0init";
    private static final long TIMEOUT_MS = 10_000;
    private static final int PER_VECTOR = 100;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private final List<ServiceTracker<?, ?>> trackers = new ArrayList<>();

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @After
    public void closeTrackers() {
        trackers.forEach(ServiceTracker::close);
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void underXenInitXenRunsTheNwlBringUpItselfBeforeDom0AndDom0TakesEveryMsi() throws Exception {
        // Only xen-init left for the bridge-owner kind: it is in force when Xen boots.
        bundle(DOM0_INIT_BUNDLE).stop();
        Machine m = machineWithoutAKernel();
        Hypervisor hv = bootXen();
        HostBridgeStatus b = xenBridge(hv);
        assertEquals("xen-init", b.owner());
        assertTrue(b.toString(), b.ready());
        List<String> console = hv.console();
        int ran = indexOf(console, PCIE + ": running the bridge's bring-up sequence");
        int dom0 = indexOf(console, "*** Serial input to DOM0");
        assertTrue("Xen ran the sequence before Dom0's kernel started: " + console, ran >= 0 && dom0 >= 0 && ran < dom0);
        assertTrue(String.join("\n", console), console.stream().noneMatch(l -> l.contains("bring-up failed")));
        dom0TakesEveryMsiExactly(hv, m);
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void underDom0InitDom0RunsTheNwlBringUpAndXenTrustsTheBridgeOnItsFirstDeviceAdd() throws Exception {
        Machine m = machineWithoutAKernel();
        Hypervisor hv = bootXen();
        HostBridgeStatus b = xenBridge(hv);
        assertEquals("dom0-init", b.owner());
        assertTrue(b.toString(), b.ready());
        assertTrue(b.readyReason(), b.readyReason().contains("PHYSDEVOP_pci_device_add"));
        assertEquals("Xen made no config access before Dom0 said the bridge was ready", 0, b.refusedAccesses());
        List<String> console = hv.console();
        assertEquals("Xen ran no sequence: " + console, -1, indexOf(console, "running the bridge's bring-up"));
        GuestKernel k = hv.hardwareDomain().kernel();
        assertTrue(String.join("\n", k.bootLog()), k.bootLog().stream().anyMatch(l -> l.contains("bridge initialised")));
        dom0TakesEveryMsiExactly(hv, m);
    }

    /** The zcu102 machine with the guest bundle stopped: no Dom0 kernel, so no Xen yet; the NWL bridge refuses config. */
    private Machine machineWithoutAKernel() throws Exception {
        bundle(GUEST_BUNDLE).stop();
        Dictionary<String, Object> xen = new Hashtable<>();
        xen.put("default_guest", false);
        configurationAdmin.getConfiguration("org.trapdoor.xen", "?").update(xen);
        String token = "zcu102-xen@" + System.nanoTime();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("platform", "zcu102");
        props.put("hypervisor", "xen");
        props.put(MsiRig.BOOT, token);
        configurationAdmin.getConfiguration(MsiRig.MACHINE_PID, "?").update(props);
        ServiceTracker<Machine, Machine> t = new ServiceTracker<>(context, context.createFilter("(&(objectClass="
                + Machine.class.getName() + ")(" + MsiRig.BOOT + "=" + token + "))"), null);
        t.open();
        trackers.add(t);
        Machine m = t.waitForService(TIMEOUT_MS);
        assertNotNull("a machine for zcu102", m);
        HostBridge nwl = m.hostBridge(PCIE);
        assertNotNull("the NWL bridge is bound", nwl);
        assertFalse("no link before bring-up", nwl.ready());
        assertEquals("the root port before bring-up reads all-ones", -1, nwl.configRead(0, 0, 0, 4));
        assertEquals("an endpoint before bring-up reads all-ones", -1, nwl.configRead(1, 0x08, 0, 4));
        assertTrue(nwl.summary(), nwl.summary().contains("2 config accesses refused"));
        return m;
    }

    /** Starts the guest bundle (Dom0's kernel): Xen boots, and Dom0 reports the root port and both endpoints. */
    private Hypervisor bootXen() throws Exception {
        bundle(GUEST_BUNDLE).start();
        ServiceTracker<Hypervisor, Hypervisor> t = new ServiceTracker<>(context, Hypervisor.class, null);
        t.open();
        trackers.add(t);
        Hypervisor hv = t.waitForService(TIMEOUT_MS);
        assertNotNull("Xen booted", hv);
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (hv.hardwareDomain().kernel() == null || hv.pciDevices().size() < 3) {
            if (System.currentTimeMillis() > end) {
                fail("Dom0 has not reported the root port and both endpoints: " + hv.pciDevices() + "\n"
                        + String.join("\n", hv.console()));
            }
            Thread.sleep(10);
        }
        return hv;
    }

    private static HostBridgeStatus xenBridge(Hypervisor hv) {
        return hv.hostBridges().stream().filter(s -> s.node().equals(PCIE)).findFirst()
                .orElseThrow(() -> new AssertionError("Xen does not drive " + PCIE + ": " + hv.hostBridges()));
    }

    private void dom0TakesEveryMsiExactly(Hypervisor hv, Machine m) throws Exception {
        GuestKernel dom0 = hv.hardwareDomain().kernel();
        MachineInterrupts irq = service(MachineInterrupts.class);
        List<GuestMsiVector> vectors = dom0.msiVectors();
        assertEquals("two endpoints with 8 MSI-X vectors each: " + vectors, 16, vectors.size());
        for (GuestMsiVector v : vectors) {
            assertEquals(v.toString(), PCIE, v.controller());
            assertEquals("the doorbell is pcireg's base", 0xfd480000L, v.address());
        }
        Map<String, Long> before = counts(dom0);
        InterruptCounters ledger = irq.msiLedger();
        InterruptCounters.Snapshot l0 = ledger.snapshot();
        long n = 16L * PER_VECTOR;
        Traffic.Status s = irq.traffic().run(n, irq.msiSources());
        InterruptCounters.Snapshot l1 = ledger.snapshot();
        assertEquals(s.toString(), n, s.raised());
        assertEquals("delivered: " + l1, n, l1.delivered() - l0.delivered());
        assertEquals("dropped: " + l1, 0, l1.dropped() - l0.dropped());
        Map<String, Long> after = counts(dom0);
        for (Map.Entry<String, Long> e : after.entrySet()) {
            assertEquals("Dom0's count of " + e.getKey(), PER_VECTOR, e.getValue() - before.get(e.getKey()));
        }
        assertEquals("the bitmap is empty once handled", 0,
                m.system().read(0xfd0e0000L + 0x440, 4) | m.system().read(0xfd0e0000L + 0x444, 4));
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }

    private static Map<String, Long> counts(GuestKernel g) {
        Map<String, Long> out = new HashMap<>();
        for (GuestMsiVector v : g.msiVectors()) {
            out.put(v.bdf() + "#" + v.vector(), v.count());
        }
        return out;
    }

    private <T> T service(Class<T> type) throws InterruptedException {
        ServiceTracker<T, T> t = new ServiceTracker<>(context, type, null);
        t.open();
        trackers.add(t);
        T s = t.waitForService(TIMEOUT_MS);
        assertNotNull("a " + type.getSimpleName() + " service", s);
        return s;
    }

    private Bundle bundle(String name) {
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + name);
    }
}
