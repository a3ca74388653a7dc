package org.trapdoor.shell.complete;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.shell.command.Bdf;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.CommandSpec;
import org.trapdoor.shell.lspci.PciNames;

/**
 * The function Gogo's console evaluates for a Trapdoor command's arguments when Tab is pressed
 * ({@code trapdoor:_complete}, named in each command's completion data, see
 * {@link CompletionTable}): it reads the line JLine parsed from the session's
 * {@code .commandLine} and answers with {@link ArgumentCompleter}'s candidates. The leading
 * underscore keeps it out of the command-name completion, as Gogo's own helpers are.
 *
 * <p>Everything is read when Tab is pressed, never cached: a bind, a plugin or a new domain shows
 * at the next Tab. Nothing is read through config space, so completing changes no counter.
 */
@Component(service = Function.class, property = {"osgi.command.scope=" + CommandRegistry.SCOPE,
        "osgi.command.function=" + CompletionFunction.NAME})
public final class CompletionFunction implements Function, CompletionSources {
    static final String NAME = "_complete";
    /** The expression Gogo evaluates for the candidates. */
    public static final String EXPRESSION = CommandRegistry.SCOPE + ":" + NAME;

    private final Machine machine;
    private final CommandRegistry registry;
    private final ArgumentCompleter completer = new ArgumentCompleter(this);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Hypervisor hypervisor;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Tracing tracing;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<GuestKernel> guests;

    @Activate
    public CompletionFunction(@Reference Machine machine, @Reference CommandRegistry registry) {
        this.machine = machine;
        this.registry = registry;
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        try {
            return JlineCandidates.of(session.get(".commandLine"), completer);
        } catch (LinkageError noJline) {
            return List.of(); // no console, no completion
        }
    }

    @Override
    public List<NodeInfo> nodes() {
        return machine.nodes();
    }

    @Override
    public List<String> labels(String path) {
        DtNode n = machine.platform().node(path);
        return n == null ? List.of() : n.labels();
    }

    @Override
    public List<DriverInfo> drivers() {
        return machine.drivers();
    }

    @Override
    public List<Choice> functions() {
        List<Choice> out = new ArrayList<>();
        for (PciDeviceInfo d : machine.pciDevices()) {
            out.add(Choice.of(Bdf.printed(d.bdf()), ArgumentCompleter.FUNCTIONS, d.description()));
        }
        List<GuestKernel> g = guests;
        for (GuestKernel k : g == null ? List.<GuestKernel>of() : g) {
            for (GuestPciDevice d : k.pciDevices()) {
                out.add(Choice.of(Bdf.printed(d.bdf()), ArgumentCompleter.FUNCTIONS,
                        PciNames.device(d.vendorId(), d.deviceId(), 0)));
            }
        }
        Hypervisor h = hypervisor;
        if (h != null) {
            for (PciDeviceStatus s : h.pciDevices()) {
                out.add(Choice.of(Bdf.printed(s.bdf()), ArgumentCompleter.FUNCTIONS, "owner " + s.owner()));
            }
        }
        out.sort((a, b) -> a.value().compareTo(b.value()));
        return out;
    }

    @Override
    public List<String> domains() {
        Hypervisor h = hypervisor;
        return h == null ? List.of() : h.domains().stream().map(Domain::name).toList();
    }

    @Override
    public List<PolicyInfo> policies() {
        Hypervisor h = hypervisor;
        return h == null ? List.of() : h.policies();
    }

    @Override
    public List<String> assignable() {
        Hypervisor h = hypervisor;
        return h == null ? List.of() : h.assignableList().stream().map(Bdf::printed).toList();
    }

    @Override
    public Map<String, Boolean> tracePoints() {
        Tracing t = tracing;
        Map<String, Boolean> out = new TreeMap<>();
        if (t != null) {
            for (TracePoint p : t.points()) {
                out.put(p.name(), p.on());
            }
        }
        return out;
    }

    @Override
    public List<Choice> commands() {
        List<Choice> out = new ArrayList<>();
        for (CommandSpec s : registry.specs()) {
            out.add(Choice.of(s.name(), ArgumentCompleter.COMMANDS, s.summary()));
        }
        return out;
    }
}
