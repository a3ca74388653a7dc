package org.trapdoor.attack;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.trapdoor.api.attack.AttackScenario;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;

/**
 * Offers every scenario as an {@link AttackScenario} service while a hypervisor runs. One
 * component holds the three references the scenarios share and registers the six services, so
 * they come and go together with the hypervisor.
 */
@Component(immediate = true)
public final class AttackComponent {
    private final List<ServiceRegistration<AttackScenario>> registrations = new ArrayList<>();

    @Reference
    Hypervisor hypervisor;

    @Reference
    Machine machine;

    @Reference
    MachineInterrupts interrupts;

    @Activate
    void activate(BundleContext context) {
        for (AttackScenario s : scenarios(hypervisor, machine, interrupts)) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(AttackScenario.NAME, s.name());
            registrations.add(context.registerService(AttackScenario.class, s, props));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<AttackScenario> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // the framework took it down already
            }
        }
        registrations.clear();
    }

    /** Every scenario, on this platform (tests build them without OSGi). */
    public static List<AttackScenario> scenarios(Hypervisor hv, Machine machine, MachineInterrupts irqs) {
        Platform p = new Platform(hv, machine, irqs);
        return List.of(new ForgeMsi(p), new DoorbellDma(p), new ForeignDma(p), new ForeignConfig(p),
                new ForeignDeviceId(p), new InterruptFlood(p));
    }
}
