package org.trapdoor.shell.complete;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;

/**
 * What Tab offers for the word under the cursor of a Trapdoor command line, by the command and
 * the argument's position, as each command's usage line reads: node paths and labels for
 * {@code bind}, the drivers that handle the chosen node, functions for {@code lspci -s}, the
 * policy kinds and then that kind's implementations for {@code policy set}, domain names after
 * {@code --domain} and for {@code xl}, each command's subcommands and options.
 *
 * <p>Every candidate for the position is returned; the line reader keeps those that match what
 * is typed (JLine's own matching, so its case and typo rules apply). Nothing is offered where
 * the argument is free text (an address, a count, a file).
 */
public final class ArgumentCompleter {
    static final String NODES = "nodes";
    static final String LABELS = "labels";
    static final String DRIVERS = "drivers";
    static final String FUNCTIONS = "PCI functions";
    static final String DOMAINS = "domains";
    static final String SUBCOMMANDS = "subcommands";
    static final String OPTIONS = "options";
    static final String POLICIES = "policies";
    static final String COMMANDS = "commands";
    static final String TRACE_POINTS = "trace points";

    private static final String DOMAIN_OPTION = "as that Xen domain sees it";
    /** Each command's options with what they do: Tab on a word that starts with '-'. */
    private static final Map<String, Map<String, String>> OPTIONS_OF = Map.ofEntries(
            Map.entry("platform", ordered("--dts", "print the platform as device-tree source", "--domain",
                    "with --dts: the tree the Xen domain's kernel was given")),
            Map.entry("bind", ordered("--force", "also a driver that handles none of the node's compatible strings")),
            Map.entry("mem", ordered("--domain", DOMAIN_OPTION)),
            Map.entry("dmesg", ordered("--domain", DOMAIN_OPTION)),
            Map.entry("irq", ordered("--domain", DOMAIN_OPTION)),
            Map.entry("msi", ordered("--domain", DOMAIN_OPTION)),
            Map.entry("dma", ordered("--domain", DOMAIN_OPTION)),
            Map.entry("trace", ordered("--file", "also write every record to FILE (off stops)")),
            Map.entry("help", ordered("--all", "also Gogo's standard commands")),
            Map.entry("lspci", ordered("-n", "numeric IDs", "-nn", "names and numeric IDs", "-t", "tree", "-v", "verbose",
                    "-vv", "very verbose: registers decoded", "-vvv", "even more: closed windows too", "-D",
                    "always show the PCI domain", "-s", "select [[DOMAIN:]BUS:][SLOT][.FUNC]", "-x", "64 bytes of config space",
                    "-xxx", "256 bytes of config space", "-xxxx", "4096 bytes of config space", "--domain", DOMAIN_OPTION)));

    private final CompletionSources sources;

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The options of {@code command} (plain name) with what each does; empty when it has none. */
    public static Map<String, String> options(String command) {
        return OPTIONS_OF.getOrDefault(command, Map.of());
    }

    public ArgumentCompleter(CompletionSources sources) {
        this.sources = sources;
    }

    /**
     * The candidates for {@code words[index]}, where {@code words[0]} is the command (plain or
     * {@code scope:name}) and the words before {@code index} are the arguments typed so far.
     */
    public List<Choice> complete(List<String> words, int index) {
        if (words.isEmpty() || index < 1 || index > words.size()) {
            return List.of();
        }
        String command = words.get(0);
        command = command.substring(command.indexOf(':') + 1);
        List<String> before = words.subList(1, index);
        String current = index < words.size() ? words.get(index) : "";
        boolean option = current.startsWith("-");
        if (option && !expectsValue(command, before)) {
            List<Choice> out = new ArrayList<>();
            options(command).forEach((o, d) -> out.add(Choice.of(o, OPTIONS, d)));
            return out;
        }
        return switch (command) {
            case "platform" -> withOptions(Args.of(before, Set.of("--domain")), a -> List.of());
            case "bind" -> bind(Args.of(before, Set.of()));
            case "unbind" -> Args.of(before, Set.of()).positional.isEmpty() ? nodes(n -> n.state() == NodeState.BOUND) : List.of();
            case "mem" -> withOptions(Args.of(before, Set.of("--domain")),
                    a -> a.positional.isEmpty() ? words(SUBCOMMANDS, "read", "write") : List.of());
            case "xl" -> xl(before);
            case "dmesg", "irq" -> withOptions(Args.of(before, Set.of("--domain")), a -> List.of());
            case "policy" -> policy(Args.of(before, Set.of()).positional);
            case "trace" -> trace(before);
            case "iommu" -> iommu(before);
            case "dma" -> withOptions(Args.of(before, Set.of("--domain")), this::dma);
            case "lspci" -> lspci(before);
            case "msi" -> withOptions(Args.of(before, Set.of("--domain")), this::msi);
            case "traffic" -> traffic(Args.of(before, Set.of()).positional);
            case "its" -> before.isEmpty() ? nodes(n -> n.state() != NodeState.DISABLED) : List.of();
            case "help" -> before.isEmpty() ? sources.commands() : List.of();
            default -> List.of();
        };
    }

    /** True when the word under the cursor is the value of an option ({@code --domain X}, {@code -s X}). */
    private static boolean expectsValue(String command, List<String> before) {
        if (before.isEmpty()) {
            return false;
        }
        String last = before.get(before.size() - 1);
        return last.equals("--domain") || command.equals("lspci") && last.matches("-[a-zA-Z]*s");
    }

    /** The words before the cursor, split into positional arguments and options. */
    static final class Args {
        final List<String> positional = new ArrayList<>();
        final List<String> flags = new ArrayList<>();
        /** The option whose value the word under the cursor is, or null. */
        String pending;

        static Args of(List<String> before, Set<String> valued) {
            Args a = new Args();
            for (int i = 0; i < before.size(); i++) {
                String w = before.get(i);
                if (valued.contains(w)) {
                    if (i == before.size() - 1) {
                        a.pending = w;
                    } else {
                        i++; // its value
                    }
                } else if (w.startsWith("-") && w.length() > 1 && !Character.isDigit(w.charAt(1))) {
                    a.flags.add(w);
                } else {
                    a.positional.add(w);
                }
            }
            return a;
        }
    }

    private List<Choice> withOptions(Args a, java.util.function.Function<Args, List<Choice>> positional) {
        if ("--domain".equals(a.pending)) {
            return domains();
        }
        return a.pending != null ? List.of() : positional.apply(a);
    }

    private List<Choice> bind(Args a) {
        if (a.positional.isEmpty()) {
            return nodes(n -> n.state() != NodeState.DISABLED);
        }
        if (a.positional.size() > 1) {
            return List.of();
        }
        NodeInfo node = node(a.positional.get(0));
        boolean force = a.flags.contains("--force") || a.flags.contains("-f");
        List<Choice> out = new ArrayList<>();
        for (DriverInfo d : sources.drivers()) {
            // Without --force, bind refuses a driver that handles none of the node's compatible strings.
            if (force || node == null || d.compatibles().stream().anyMatch(node.compatibles()::contains)) {
                out.add(Choice.of(d.name(), DRIVERS, String.join(", ", d.compatibles())));
            }
        }
        return dedupe(out);
    }

    private List<Choice> xl(List<String> before) {
        Args a = Args.of(before, Set.of());
        List<String> p = a.positional;
        if (p.isEmpty()) {
            return words(SUBCOMMANDS, "list", "create", "destroy", "pci-assignable-add", "pci-assignable-remove",
                    "pci-assignable-list", "pci-attach", "pci-detach", "pci-list", "dmesg");
        }
        String sub = p.get(0);
        int at = p.size() - 1; // the argument of the subcommand under the cursor, from 0
        return switch (sub) {
            case "destroy", "pci-list" -> at == 0 ? domains() : List.of();
            case "pci-assignable-add" -> at == 0 ? functions() : List.of();
            case "pci-assignable-remove" -> at == 0 ? words(FUNCTIONS, sources.assignable().toArray(String[]::new)) : List.of();
            case "pci-attach" -> at == 0 ? domains() : at == 1 ? words(FUNCTIONS, sources.assignable().toArray(String[]::new)) : List.of();
            case "pci-detach" -> at == 0 ? domains() : at == 1 ? functions() : List.of();
            default -> List.of();
        };
    }

    /** {@code policy set [DOMAIN] KIND NAME}: a domain or a kind, then the kind's implementations. */
    private List<Choice> policy(List<String> p) {
        if (p.isEmpty()) {
            return words(SUBCOMMANDS, "set");
        }
        if (!p.get(0).equals("set")) {
            return List.of();
        }
        List<PolicyInfo> policies = sources.policies();
        Set<String> kinds = new java.util.LinkedHashSet<>();
        policies.forEach(i -> kinds.add(i.kind()));
        List<String> rest = p.subList(1, p.size());
        if (rest.isEmpty()) {
            List<Choice> out = new ArrayList<>(domains());
            for (String k : kinds) {
                out.add(Choice.of(k, POLICIES, "policy kind"));
            }
            return out;
        }
        boolean domainGiven = !kinds.contains(rest.get(0));
        List<String> afterDomain = domainGiven ? rest.subList(1, rest.size()) : rest;
        if (afterDomain.isEmpty()) {
            // After a domain, only the kinds that apply per domain.
            List<Choice> out = new ArrayList<>();
            for (PolicyInfo i : policies) {
                if (rest.get(0).equals(i.domain())) {
                    out.add(Choice.of(i.kind(), POLICIES, "policy kind"));
                }
            }
            return dedupe(out);
        }
        if (afterDomain.size() > 1) {
            return List.of();
        }
        String kind = afterDomain.get(0);
        List<Choice> out = new ArrayList<>();
        for (PolicyInfo i : policies) {
            if (i.kind().equals(kind) && (!domainGiven || rest.get(0).equals(i.domain()) || i.domain() == null)) {
                for (String name : i.available()) {
                    out.add(Choice.of(name, POLICIES, name.equals(i.active()) ? "active" : null));
                }
            }
        }
        return dedupe(out);
    }

    private List<Choice> trace(List<String> before) {
        if (before.isEmpty()) {
            return words(SUBCOMMANDS, "on", "off", "show", "--file");
        }
        if (before.size() == 1 && (before.get(0).equals("on") || before.get(0).equals("off"))) {
            // 'trace on' offers the points that are off, 'trace off' those that are on.
            boolean on = before.get(0).equals("off");
            List<Choice> out = new ArrayList<>();
            sources.tracePoints().forEach((name, isOn) -> {
                if (isOn == on) {
                    out.add(Choice.of(name, TRACE_POINTS, null));
                }
            });
            return out;
        }
        if (before.size() == 1 && before.get(0).equals("--file")) {
            return words(SUBCOMMANDS, "off");
        }
        return List.of();
    }

    private List<Choice> iommu(List<String> before) {
        if (before.isEmpty()) {
            return words(SUBCOMMANDS, "events");
        }
        if (before.size() == 1 && before.get(0).equals("events")) {
            return nodes(n -> n.state() != NodeState.DISABLED);
        }
        return List.of();
    }

    /** {@code dma BDF ADDR LENGTH read|write} and {@code dma follow BDF ADDR LENGTH read|write}. */
    private List<Choice> dma(Args a) {
        List<String> p = a.positional;
        if (p.isEmpty()) {
            List<Choice> out = new ArrayList<>(words(SUBCOMMANDS, "follow"));
            out.addAll(functions());
            return out;
        }
        int at = p.get(0).equals("follow") ? p.size() - 1 : p.size();
        return at == 0 ? functions() : at == 3 ? words(SUBCOMMANDS, "read", "write") : List.of();
    }

    private List<Choice> msi(Args a) {
        List<String> p = a.positional;
        if (p.isEmpty()) {
            return words(SUBCOMMANDS, "follow");
        }
        return p.size() == 1 && p.get(0).equals("follow") ? functions() : List.of();
    }

    /** lspci's options, combinable as in pciutils ({@code -vs 00:01.0}); {@code -s} takes a function. */
    private List<Choice> lspci(List<String> before) {
        if (!before.isEmpty()) {
            String last = before.get(before.size() - 1);
            if (last.equals("--domain")) {
                return domains();
            }
            if (last.startsWith("-") && !last.startsWith("--") && last.endsWith("s")) {
                return functions();
            }
        }
        return List.of();
    }

    /** {@code traffic start [RATE|max] [DEVICES]}, {@code traffic run COUNT [DEVICES]}. */
    private List<Choice> traffic(List<String> p) {
        if (p.isEmpty()) {
            return words(SUBCOMMANDS, "status", "start", "stop", "run");
        }
        List<Choice> devices = new ArrayList<>(words(FUNCTIONS, "all"));
        devices.addAll(functions());
        return switch (p.get(0)) {
            case "start" -> {
                if (p.size() == 1) {
                    List<Choice> out = new ArrayList<>(words(SUBCOMMANDS, "max"));
                    out.addAll(devices);
                    yield out;
                }
                yield p.size() == 2 ? devices : List.of();
            }
            case "run" -> p.size() == 2 ? devices : List.of();
            default -> List.of();
        };
    }

    // ------------------------------------------------------------------ sources

    private NodeInfo node(String pathOrLabel) {
        String label = pathOrLabel.startsWith("&") ? pathOrLabel.substring(1) : pathOrLabel;
        for (NodeInfo n : sources.nodes()) {
            if (n.path().equals(pathOrLabel) || sources.labels(n.path()).contains(label)) {
                return n;
            }
        }
        return null;
    }

    private List<Choice> nodes(java.util.function.Predicate<NodeInfo> which) {
        List<Choice> out = new ArrayList<>();
        List<Choice> labels = new ArrayList<>();
        for (NodeInfo n : sources.nodes()) {
            if (!which.test(n)) {
                continue;
            }
            String what = (n.compatibles().isEmpty() ? "" : n.compatibles().get(0) + ", ")
                    + (n.driver() != null ? n.driver() + " bound" : n.state().name().toLowerCase(java.util.Locale.ROOT));
            out.add(Choice.of(n.path(), NODES, what));
            for (String l : sources.labels(n.path())) {
                labels.add(Choice.of(l, LABELS, n.path()));
            }
        }
        out.addAll(labels);
        return dedupe(out);
    }

    private List<Choice> functions() {
        return dedupe(sources.functions());
    }

    private List<Choice> domains() {
        return words(DOMAINS, sources.domains().toArray(String[]::new));
    }

    private static List<Choice> words(String group, String... values) {
        List<Choice> out = new ArrayList<>();
        for (String v : values) {
            out.add(Choice.of(v, group, null));
        }
        return out;
    }

    /** One candidate per value, the first kept: JLine would list a repeated value twice. */
    private static List<Choice> dedupe(List<Choice> in) {
        Map<String, Choice> byValue = new LinkedHashMap<>();
        for (Choice c : in) {
            byValue.putIfAbsent(c.value(), c);
        }
        return List.copyOf(byValue.values());
    }
}
