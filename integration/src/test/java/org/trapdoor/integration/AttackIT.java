package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

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
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.AttackScenario;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.attack.Verdict;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.hypervisor.Toolstack;

/**
 * The attack suite with the real bundles in Felix (issue 13): Xen on virt, Dom0 holding 00:01.0
 * (the victim), DomU guest1 built under {@code domu-msi vits} holding 00:02.0 (the attacker's);
 * each scenario is the {@link AttackScenario} service the attack bundle registers, run from guest1,
 * its verdict read from the evidence the scenario reports (counters and memory, never log text).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class AttackIT {
    private static final long TIMEOUT_MS = 30_000;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private ServiceTracker<Hypervisor, Hypervisor> hypervisors;
    private ServiceTracker<AttackScenario, AttackScenario> scenarios;
    private Hypervisor hv;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @Before
    public void bootXenAndAHostileDomU() throws Exception {
        Dictionary<String, Object> xen = new Hashtable<>();
        xen.put("default_guest", false);
        configurationAdmin.getConfiguration("org.trapdoor.xen", "?").update(xen);
        Dictionary<String, Object> machine = new Hashtable<>();
        machine.put("platform", "virt");
        machine.put("hypervisor", "xen");
        configurationAdmin.getConfiguration("org.trapdoor.machine", "?").update(machine);
        hypervisors = new ServiceTracker<>(context, Hypervisor.class, null);
        hypervisors.open();
        scenarios = new ServiceTracker<>(context, AttackScenario.class, null);
        scenarios.open();
        ServiceTracker<Toolstack, Toolstack> toolstacks = new ServiceTracker<>(context, Toolstack.class, null);
        toolstacks.open();
        hv = hypervisors.waitForService(TIMEOUT_MS);
        assertNotNull("no Hypervisor service within " + TIMEOUT_MS + " ms", hv);
        Toolstack xl = toolstacks.waitForService(TIMEOUT_MS);
        assertNotNull("no Toolstack service", xl);
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (hv.hardwareDomain().kernel() == null || hv.pciDevices().size() < 3 || available("domu-msi").size() < 3
                || available("doorbell").isEmpty() || scenarios.size() < 6) {
            if (System.currentTimeMillis() > end) {
                fail("Dom0, the policy bundles or the six attack services are not there: " + hv.policies() + ", "
                        + scenarios.size() + " scenarios");
            }
            Thread.sleep(10);
        }
        toolstacks.close();
        hv.setPolicy(null, "domu-msi", "vits");
        hv.setPolicy(null, "doorbell", "map");
        hv.create(xl.readConfig("guest1.cfg", "name = 'guest1'\nmemory = 128\nvcpus = 1\npci = [ '00:02.0,seize=1' ]\n"));
    }

    @After
    public void close() {
        hypervisors.close();
        scenarios.close();
    }

    private List<String> available(String kind) {
        return hv.policies().stream().filter(p -> p.kind().equals(kind) && p.domain() == null).findFirst()
                .map(PolicyInfo::available).orElse(List.of());
    }

    private AttackResult run(String name) {
        for (ServiceReference<AttackScenario> ref : scenarios.getServiceReferences()) {
            if (name.equals(ref.getProperty(AttackScenario.NAME))) {
                AttackResult r = scenarios.getService(ref).run("guest1");
                System.out.println(r);
                assertEquals(name, r.scenario());
                assertEquals("guest1", r.attacker());
                return r;
            }
        }
        throw new AssertionError("no attack service named " + name);
    }

    private static Evidence evidence(AttackResult r, String contains) {
        return r.evidence().stream().filter(e -> e.what().contains(contains)).findFirst()
                .orElseThrow(() -> new AssertionError("no evidence '" + contains + "' in " + r));
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void forgingAnotherDevicesMessageIsBlocked() {
        AttackResult r = run("forge-msi");
        assertEquals(r.toString(), Verdict.BLOCKED, r.verdict());
        assertEquals(r.toString(), 0, evidence(r, "handled (victim kernel)").delta());
        assertEquals("its own doorbell carried the forged data: the device sent it, to its own DeviceID", 1,
                evidence(r, "own doorbell, victim's data: attacker messages sent").delta());
    }

    /**
     * Under {@code map} the forged write reaches the host ITS through the vITS doorbell page, while
     * the trap-remap doorbell IPA (not mapped for a vits guest) faults. The container has no
     * {@code doorbell-abort-sanitise} bundle (present, it would take the kind over from {@code map}
     * in every suite, see from-attack.md); DoorbellDmaTest and the audit's test flip it there.
     */
    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void doorbellDmaGetsThroughTheMappedDoorbellPage() {
        AttackResult mapped = run("doorbell-dma");
        assertEquals(mapped.toString(), Verdict.SUCCEEDED, mapped.verdict());
        assertEquals(mapped.toString(), 1, evidence(mapped, "vITS doorbell 0x4030040: writes at an MSI controller").delta());
        assertEquals(mapped.toString(), 1, evidence(mapped, "remap doorbell 0x4050040: DMA failed (device)").delta());
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void dmaIntoDom0sAndXensMemoryLeavesThemUnchanged() {
        AttackResult r = run("foreign-dma");
        assertEquals(r.toString(), Verdict.BLOCKED, r.verdict());
        assertEquals(r.toString(), 0, evidence(r, "Xen's SMMU stream table").delta());
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void configAccessesOutsideItsFunctionReachNothing() {
        AttackResult r = run("foreign-config");
        assertEquals(r.toString(), Verdict.BLOCKED, r.verdict());
        assertEquals(r.toString(), 511, evidence(r, "foreign BDFs probed").delta());
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void itsCommandsOnForeignDeviceIdsMapNothing() {
        AttackResult r = run("foreign-deviceid");
        assertEquals(r.toString(), Verdict.BLOCKED, r.verdict());
        Evidence tried = evidence(r, "foreign DeviceIDs named");
        assertEquals(r.toString(), 3 * tried.delta(), evidence(r, "commands its virtual ITS consumed").delta());
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void anInterruptFloodsVerdictFollowsTheVictimsOwnCounts() {
        AttackResult r = run("irq-flood");
        long sent = evidence(r, "sent (victim device)").delta();
        long handled = evidence(r, "handled (victim kernel)").delta();
        long merged = evidence(r, "physical GIC (machine ledger COALESCED)").delta();
        // The machine ledger's merges include the attacker's, so they bound the victim's loss, not equal it.
        assertTrue(r.toString(), handled <= sent && sent - handled <= merged);
        assertEquals(r.toString(), handled < sent ? Verdict.SUCCEEDED : Verdict.BLOCKED, r.verdict());
    }
}
