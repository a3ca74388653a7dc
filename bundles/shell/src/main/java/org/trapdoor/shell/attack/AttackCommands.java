package org.trapdoor.shell.attack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.attack.AttackScenario;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.shell.command.CommandFailure;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;

/**
 * {@code attack} (the scenarios), {@code attack NAME [DOMAIN]} (run one from a DomU) and
 * {@code audit [--html FILE] [DOMAIN]} (every scenario under every policy combination).
 */
@Component(service = AttackCommands.class, property = {
        CommandRegistry.FUNCTION + "=attack",
        CommandRegistry.FUNCTION + "=audit"})
public final class AttackCommands {
    private final List<AttackScenario> scenarios = new CopyOnWriteArrayList<>();
    private final AtomicReference<Hypervisor> hypervisor = new AtomicReference<>();
    private final AtomicReference<Machine> machine = new AtomicReference<>();
    private final AtomicReference<MachineInterrupts> interrupts = new AtomicReference<>();

    public AttackCommands() {
    }

    /** For tests without OSGi. */
    public AttackCommands(Hypervisor hv, Machine m, MachineInterrupts irqs, List<AttackScenario> all) {
        hypervisor.set(hv);
        machine.set(m);
        interrupts.set(irqs);
        scenarios.addAll(all);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeScenario")
    void addScenario(AttackScenario s) {
        scenarios.add(s);
    }

    void removeScenario(AttackScenario s) {
        scenarios.remove(s);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetHypervisor")
    void setHypervisor(Hypervisor h) {
        hypervisor.set(h);
    }

    void unsetHypervisor(Hypervisor h) {
        hypervisor.compareAndSet(h, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetMachine")
    void setMachine(Machine m) {
        machine.set(m);
    }

    void unsetMachine(Machine m) {
        machine.compareAndSet(m, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetInterrupts")
    void setInterrupts(MachineInterrupts i) {
        interrupts.set(i);
    }

    void unsetInterrupts(MachineInterrupts i) {
        interrupts.compareAndSet(i, null);
    }

    private List<AttackScenario> sorted() {
        List<AttackScenario> s = new ArrayList<>(scenarios);
        s.sort(Comparator.comparing(AttackScenario::name));
        return s;
    }

    @ShellCommand(usage = {"attack", "attack NAME [DOMAIN]"}, summary = "a hostile DomU's attacks: list them, or run one",
            group = CommandRegistry.XEN)
    @Descriptor("list the attack scenarios a hostile DomU can run; 'attack NAME [DOMAIN]' runs one from DOMAIN "
            + "(default: the first DomU holding a device) and prints its verdict (blocked, succeeded, n/a) with the "
            + "counters and memory it was judged from")
    public Object attack(@Descriptor("nothing, or: NAME [DOMAIN]") String... args) {
        if (args.length == 0) {
            List<AttackListing.Row> rows = new ArrayList<>();
            for (AttackScenario s : sorted()) {
                rows.add(new AttackListing.Row(s.name(), s.description(), s.criterion()));
            }
            return new AttackListing(rows);
        }
        if (args.length > 2) {
            throw new CommandFailure("Usage: attack  |  attack NAME [DOMAIN]");
        }
        hv("attack");
        AttackScenario s = sorted().stream().filter(x -> x.name().equals(args[0])).findFirst()
                .orElseThrow(() -> new CommandFailure("attack: no scenario '" + args[0] + "' (attack lists them)"));
        try {
            return new AttackReport(s.run(args.length == 2 ? args[1] : null), s.criterion());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("attack: " + e.getMessage());
        }
    }

    @ShellCommand(usage = {"audit [DOMAIN]", "audit --html FILE [DOMAIN]"},
            summary = "every attack under every MSI controller x domu-msi x doorbell combination", group = CommandRegistry.XEN)
    @Descriptor("run every attack from DOMAIN (default: the first DomU holding a device) under every combination of "
            + "bound MSI controller, domu-msi policy and doorbell policy, switching them live and restoring them "
            + "afterwards; print the matrix with the evidence per cell, or with --html FILE write it with the "
            + "platform's topology as one self-contained HTML page")
    public Object audit(@Descriptor("[--html FILE] [DOMAIN]") String... args) {
        String file = null;
        String domain = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--html")) {
                if (i + 1 >= args.length || file != null) {
                    throw new CommandFailure("Usage: audit [DOMAIN]  |  audit --html FILE [DOMAIN]");
                }
                file = args[++i];
            } else if (domain == null && !args[i].startsWith("-")) {
                domain = args[i];
            } else {
                throw new CommandFailure("Usage: audit [DOMAIN]  |  audit --html FILE [DOMAIN]");
            }
        }
        Hypervisor hv = hv("audit");
        Machine m = machine.get();
        MachineInterrupts irqs = interrupts.get();
        if (m == null || irqs == null) {
            throw new CommandFailure("audit: no machine is running");
        }
        List<AttackScenario> all = sorted();
        if (all.isEmpty()) {
            throw new CommandFailure("audit: no attack scenarios (the attack bundle is not running)");
        }
        AuditMatrix matrix;
        try {
            matrix = Audit.run(hv, m, irqs, all, domain);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("audit: " + e.getMessage());
        }
        if (file == null) {
            return matrix;
        }
        Path path = Path.of(file);
        try {
            Files.writeString(path, AuditHtml.render(matrix), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandFailure("audit: cannot write " + file + ": " + e.getMessage());
        }
        return new AuditFile(path.toAbsolutePath().toString(), matrix);
    }

    private Hypervisor hv(String command) {
        Hypervisor hv = hypervisor.get();
        if (hv == null) {
            throw new CommandFailure(command + ": no hypervisor is running (start with --hypervisor xen)");
        }
        return hv;
    }
}
