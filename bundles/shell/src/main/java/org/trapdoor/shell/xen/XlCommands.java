package org.trapdoor.shell.xen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.hypervisor.Toolstack;
import org.trapdoor.shell.CommandFailure;

/**
 * {@code xl SUBCOMMAND ...}: the Xen toolstack's commands, against the {@link Hypervisor} and
 * {@link Toolstack} services only. Every refusal is one line, prefixed with the subcommand as
 * xl's own messages are ({@code pci-attach: malformed PCI_SPEC_STRING "..."}).
 */
@Component(service = XlCommands.class, property = {
        "osgi.command.scope=trapdoor",
        "osgi.command.function=xl"})
public final class XlCommands {
    static final String USAGE = String.join("\n",
            "Usage: xl SUBCOMMAND [ARGS]",
            "  list [NAME...]                     domains: Name ID Mem VCPUs State Time(s)",
            "  create FILE [KEY=VALUE...]         create a domain from an xl configuration file",
            "  destroy NAME                       tear a domain down; its devices return to quarantine",
            "  pci-assignable-add BDF             take a function from Dom0 into quarantine (dom_io)",
            "  pci-assignable-remove BDF          give a quarantined function back to Dom0",
            "  pci-assignable-list                the quarantined functions",
            "  pci-attach NAME BDF[@VSLOT][,...]  assign a quarantined function to a running domain",
            "  pci-detach NAME BDF                take it back into quarantine",
            "  pci-list NAME                      a domain's functions: Vdev Device",
            "  dmesg                              the hypervisor's console ring");

    private final AtomicReference<Hypervisor> hypervisor = new AtomicReference<>();
    private final AtomicReference<Toolstack> toolstack = new AtomicReference<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetHypervisor")
    void setHypervisor(Hypervisor h) {
        hypervisor.set(h);
    }

    void unsetHypervisor(Hypervisor h) {
        // A greedy replacement is bound before the old one goes: only clear what is ours.
        hypervisor.compareAndSet(h, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetToolstack")
    void setToolstack(Toolstack t) {
        toolstack.set(t);
    }

    void unsetToolstack(Toolstack t) {
        toolstack.compareAndSet(t, null);
    }

    @Descriptor("the Xen toolstack: xl list | create FILE | destroy NAME | pci-assignable-add|-remove|-list [BDF] | "
            + "pci-attach NAME BDF[@VSLOT] | pci-detach NAME BDF | pci-list NAME | dmesg")
    public XlOutput xl(@Descriptor("subcommand and its arguments") String... args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            return new XlOutput("help", null, USAGE + "\n");
        }
        String sub = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        Hypervisor hv = hypervisor.get();
        if (hv == null) {
            throw NoHypervisor.failure("xl " + sub);
        }
        Toolstack ts = toolstack.get();
        if (ts == null) {
            throw new CommandFailure("xl " + sub + ": the toolstack (bundle org.trapdoor.xen) is not running");
        }
        try {
            return run(hv, ts, sub, rest);
        } catch (HypervisorException e) {
            throw new CommandFailure(sub + ": " + e.getMessage());
        }
    }

    private XlOutput run(Hypervisor hv, Toolstack ts, String sub, List<String> a) {
        switch (sub) {
            case "list" -> {
                List<Domain> shown = new ArrayList<>();
                if (a.isEmpty()) {
                    shown.addAll(hv.domains());
                } else {
                    for (String name : a) {
                        shown.add(domain(hv, name));
                    }
                }
                return new XlOutput(sub, shown, ts.list(shown));
            }
            case "create" -> {
                if (a.isEmpty()) {
                    throw usage(sub, "FILE [KEY=VALUE...]");
                }
                return create(hv, ts, a.get(0), a.subList(1, a.size()));
            }
            case "destroy" -> {
                args(sub, a, 1, "NAME");
                Domain d = domain(hv, a.get(0));
                hv.destroy(d.name());
                return new XlOutput(sub, d, "");
            }
            case "pci-assignable-add" -> {
                args(sub, a, 1, "BDF");
                String bdf = ts.parseBdf(a.get(0)).bdf();
                hv.assignableAdd(bdf);
                return new XlOutput(sub, bdf, "");
            }
            case "pci-assignable-remove" -> {
                args(sub, a, 1, "BDF");
                String bdf = ts.parseBdf(a.get(0)).bdf();
                hv.assignableRemove(bdf);
                return new XlOutput(sub, bdf, "");
            }
            case "pci-assignable-list" -> {
                args(sub, a, 0, "");
                List<String> bdfs = hv.assignableList();
                return new XlOutput(sub, bdfs, ts.assignableList(bdfs));
            }
            case "pci-attach" -> {
                args(sub, a, 2, "NAME BDF[@VSLOT][,permissive=1][,seize=1]");
                Domain d = domain(hv, a.get(0));
                PciSpec spec = ts.parsePciSpec(a.get(1));
                PciAssignment assigned = hv.attach(d.name(), spec);
                return new XlOutput(sub, assigned, "");
            }
            case "pci-detach" -> {
                args(sub, a, 2, "NAME BDF");
                Domain d = domain(hv, a.get(0));
                String bdf = ts.parsePciSpec(a.get(1)).bdf();
                hv.detach(d.name(), bdf);
                return new XlOutput(sub, bdf, "");
            }
            case "pci-list" -> {
                args(sub, a, 1, "NAME");
                Domain d = domain(hv, a.get(0));
                return new XlOutput(sub, d.pci(), ts.pciList(d));
            }
            case "dmesg" -> {
                args(sub, a, 0, "");
                List<String> lines = hv.console();
                return new XlOutput(sub, lines, ts.dmesg(lines));
            }
            default -> throw new CommandFailure("xl: command not implemented: " + sub + " (xl help lists them)");
        }
    }

    /**
     * {@code xl create}: reads the file, appends each {@code KEY=VALUE} as a line of its own (as
     * xl adds its extra config), parses it with the toolstack and creates the domain.
     */
    private XlOutput create(Hypervisor hv, Toolstack ts, String file, List<String> extra) {
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CommandFailure("Failed to read config file: " + file + ": No such file or directory");
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure("Failed to read config file: " + file + ": " + e.getMessage());
        }
        StringBuilder all = new StringBuilder(text);
        for (String line : extra) {
            all.append('\n').append(line);
        }
        DomainConfig config;
        try {
            config = ts.readConfig(file, all.toString());
        } catch (HypervisorException e) {
            throw new CommandFailure(e.getMessage());
        }
        Domain d = hv.create(config);
        return new XlOutput("create", d, "Parsing config from " + file + "\n");
    }

    /** xl's {@code find_domain}: a name or domid, else its message. */
    private static Domain domain(Hypervisor hv, String nameOrId) {
        return hv.domain(nameOrId).orElseThrow(
                () -> new HypervisorException(nameOrId + " is an invalid domain identifier"));
    }

    private static void args(String sub, List<String> a, int n, String usage) {
        if (a.size() != n) {
            throw usage(sub, usage);
        }
    }

    private static CommandFailure usage(String sub, String usage) {
        return new CommandFailure("Usage: xl " + sub + (usage.isEmpty() ? "" : " " + usage));
    }
}
