package org.trapdoor.integration;

import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.function.Function;
import java.util.function.Predicate;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.Toolstack;

/**
 * Xen with Dom0 only on the {@code virt} preset, for the suites that drive Xen as {@code xl}
 * does: the machine configured with {@code hypervisor=xen}, Xen without its default guest, and
 * {@link #boot} waiting, through the {@link Hypervisor} and {@link Toolstack} services only, until
 * Dom0's kernel runs and has reported its functions (three: the root port and both endpoints).
 */
final class XenDom0 implements AutoCloseable {
    static final long TIMEOUT_MS = 30_000;

    final Hypervisor hv;
    final Toolstack xl;
    private final ServiceTracker<Hypervisor, Hypervisor> hypervisors;
    private final ServiceTracker<Toolstack, Toolstack> toolstacks;

    private XenDom0(ServiceTracker<Hypervisor, Hypervisor> hypervisors, ServiceTracker<Toolstack, Toolstack> toolstacks,
            Hypervisor hv, Toolstack xl) {
        this.hypervisors = hypervisors;
        this.toolstacks = toolstacks;
        this.hv = hv;
        this.xl = xl;
    }

    /**
     * Configures and waits as above, and also until {@code ready} holds (a suite's own condition);
     * otherwise fails with {@code waitingFor} and what {@code detail} tells of the hypervisor.
     */
    static XenDom0 boot(BundleContext context, ConfigurationAdmin configurationAdmin, Predicate<Hypervisor> ready,
            String waitingFor, Function<Hypervisor, Object> detail) throws Exception {
        Dictionary<String, Object> xen = new Hashtable<>();
        xen.put("default_guest", false); // XenComponent.Config.default__guest()
        configurationAdmin.getConfiguration("org.trapdoor.xen", "?").update(xen);
        Dictionary<String, Object> machine = new Hashtable<>();
        machine.put("platform", "virt");
        machine.put("hypervisor", "xen");
        configurationAdmin.getConfiguration("org.trapdoor.machine", "?").update(machine);
        ServiceTracker<Hypervisor, Hypervisor> hypervisors = new ServiceTracker<>(context, Hypervisor.class, null);
        hypervisors.open();
        ServiceTracker<Toolstack, Toolstack> toolstacks = new ServiceTracker<>(context, Toolstack.class, null);
        toolstacks.open();
        XenDom0 rig = new XenDom0(hypervisors, toolstacks, hypervisors.waitForService(TIMEOUT_MS),
                toolstacks.waitForService(TIMEOUT_MS));
        assertNotNull("no Hypervisor service within " + TIMEOUT_MS + " ms", rig.hv);
        assertNotNull("no Toolstack service", rig.xl);
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (rig.hv.hardwareDomain().kernel() == null || rig.hv.pciDevices().size() < 3 || !ready.test(rig.hv)) {
            if (System.currentTimeMillis() > end) {
                fail(waitingFor + ": " + detail.apply(rig.hv));
            }
            Thread.sleep(10);
        }
        return rig;
    }

    @Override
    public void close() {
        hypervisors.close();
        toolstacks.close();
    }
}
