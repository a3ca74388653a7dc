package org.trapdoor.shell.complete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;

class ArgumentCompleterTest {
    private final List<NodeInfo> nodes = new ArrayList<>(List.of(
            node("/pcie@10000000", NodeState.BOUND, "pci-ecam", "pci-host-ecam-generic"),
            node("/intc@8000000", NodeState.BOUND, "gicv3", "arm,gic-v3"),
            node("/memory@40000000", NodeState.UNBOUND, null),
            node("/smmu@9050000", NodeState.DISABLED, null, "arm,smmu-v3")));
    private final List<DriverInfo> drivers = List.of(
            new DriverInfo("pci-ecam", List.of("pci-host-ecam-generic"), 0, "built-in", List.of("/pcie@10000000")),
            new DriverInfo("gicv3", List.of("arm,gic-v3"), 0, "built-in", List.of("/intc@8000000")),
            new DriverInfo("smmuv3", List.of("arm,smmu-v3"), 0, "built-in", List.of()));
    private final List<String> domains = new ArrayList<>(List.of("Domain-0", "guest1"));
    private final List<PolicyInfo> policies = List.of(
            new PolicyInfo("bridge-owner", null, "dom0-init", List.of("dom0-init", "xen-init"), "dom0-init"),
            new PolicyInfo("domu-msi", "guest1", "vits", List.of("none", "vits", "trap-remap"), "none"));

    private final ArgumentCompleter completer = new ArgumentCompleter(new CompletionSources() {
        @Override
        public List<NodeInfo> nodes() {
            return nodes;
        }

        @Override
        public List<String> labels(String path) {
            return path.equals("/intc@8000000") ? List.of("gic") : List.of();
        }

        @Override
        public List<DriverInfo> drivers() {
            return drivers;
        }

        @Override
        public List<Choice> functions() {
            return List.of(Choice.of("00:00.0", "f", "root port"), Choice.of("00:01.0", "f", "testdev"),
                    Choice.of("00:01.0", "f", "owner dom0"));
        }

        @Override
        public List<String> domains() {
            return domains;
        }

        @Override
        public List<PolicyInfo> policies() {
            return policies;
        }

        @Override
        public List<String> assignable() {
            return List.of("00:02.0");
        }

        @Override
        public Map<String, Boolean> tracePoints() {
            return new java.util.TreeMap<>(Map.of("pci_msi_signal", true, "its_translate", false, "smmu_walk", false));
        }

        @Override
        public List<Choice> commands() {
            return List.of(Choice.of("bind", "commands", "pin a node"), Choice.of("lspci", "commands", "PCI"));
        }
    });

    private static NodeInfo node(String path, NodeState state, String driver, String... compatibles) {
        return new NodeInfo(path, List.of(compatibles), List.of(), state, driver, "", 0, null);
    }

    /** The values offered for the last word of {@code line} (a trailing space: a new, empty word). */
    private List<String> tab(String line) {
        List<String> words = new ArrayList<>(Arrays.asList(line.split(" ", -1)));
        return completer.complete(words, words.size() - 1).stream().map(Choice::value).toList();
    }

    @Test
    void bindOffersEnabledNodePathsAndLabelsThenTheDriversThatHandleTheNode() {
        assertEquals(List.of("/pcie@10000000", "/intc@8000000", "/memory@40000000", "gic"), tab("bind /pc"));
        assertEquals(List.of("pci-ecam"), tab("bind /pcie@10000000 "));
        assertEquals(List.of("gicv3"), tab("bind gic "), "a label names the node too");
        assertEquals(List.of("pci-ecam", "gicv3", "smmuv3"), tab("bind --force /pcie@10000000 "),
                "--force: any driver");
        assertEquals(List.of(), tab("bind /pcie@10000000 pci-ecam "), "nothing after the driver");
        assertEquals(List.of("--force"), tab("bind -"));
    }

    @Test
    void unbindOffersOnlyBoundNodes() {
        assertEquals(List.of("/pcie@10000000", "/intc@8000000", "gic"), tab("unbind "));
    }

    @Test
    void lspciOffersItsOptionsAndFunctionsAfterDashS() {
        assertTrue(tab("lspci -").containsAll(List.of("-n", "-nn", "-t", "-v", "-vv", "-vvv", "-s", "-xxxx", "--domain")));
        assertEquals(List.of("00:00.0", "00:01.0"), tab("lspci -s 00:0"), "one candidate per function");
        assertEquals(List.of("00:00.0", "00:01.0"), tab("lspci -vs "), "-s combined with other flags");
        assertEquals(List.of("Domain-0", "guest1"), tab("lspci --domain "));
        assertEquals(List.of(), tab("lspci -v "));
    }

    @Test
    void policySetOffersDomainsAndKindsThenTheKindsImplementations() {
        assertEquals(List.of("set"), tab("policy "));
        assertEquals(List.of("Domain-0", "guest1", "bridge-owner", "domu-msi"), tab("policy set "));
        assertEquals(List.of("domu-msi"), tab("policy set guest1 "), "after a domain, the kinds that apply per domain");
        assertEquals(List.of("none", "vits", "trap-remap"), tab("policy set guest1 domu-msi "));
        assertEquals(List.of("dom0-init", "xen-init"), tab("policy set bridge-owner "));
        assertEquals(List.of(), tab("policy set bridge-owner xen-init "));
    }

    @Test
    void xlOffersSubcommandsThenDomainsAndFunctionsByPosition() {
        assertTrue(tab("xl ").containsAll(List.of("list", "create", "destroy", "pci-attach", "pci-assignable-add")));
        assertEquals(List.of("Domain-0", "guest1"), tab("xl destroy "));
        assertEquals(List.of("Domain-0", "guest1"), tab("xl pci-attach "));
        assertEquals(List.of("00:02.0"), tab("xl pci-attach guest1 "), "an assignable function");
        assertEquals(List.of("00:00.0", "00:01.0"), tab("xl pci-assignable-add "));
        assertEquals(List.of("00:02.0"), tab("xl pci-assignable-remove "));
        assertEquals(List.of(), tab("xl create "));
    }

    @Test
    void domainNamesFollowTheDomainOptionOfEveryCommandThatTakesIt() {
        for (String c : List.of("mem", "dmesg", "irq", "msi", "dma", "platform")) {
            assertEquals(List.of("Domain-0", "guest1"), tab(c + " --domain "), c);
        }
        domains.clear();
        assertEquals(List.of(), tab("irq --domain "), "no hypervisor, no domains");
    }

    @Test
    void subcommandsAndTheirArgumentsByPosition() {
        assertEquals(List.of("status", "start", "stop", "run"), tab("traffic "));
        assertEquals(List.of("max", "all", "00:00.0", "00:01.0"), tab("traffic start "));
        assertEquals(List.of("all", "00:00.0", "00:01.0"), tab("traffic run 1000 "));
        assertEquals(List.of(), tab("traffic run "), "COUNT is free text");
        assertEquals(List.of("read", "write"), tab("mem "));
        assertEquals(List.of("read", "write"), tab("mem --domain guest1 "));
        assertEquals(List.of("follow", "00:00.0", "00:01.0"), tab("dma "));
        assertEquals(List.of("read", "write"), tab("dma 00:01.0 0x8000000 4 "));
        assertEquals(List.of("read", "write"), tab("dma follow 00:01.0 0x8000000 4 "));
        assertEquals(List.of("00:00.0", "00:01.0"), tab("msi follow "));
        assertEquals(List.of("events"), tab("iommu "));
        assertEquals(List.of("on", "off", "show", "--file"), tab("trace "));
        assertEquals(List.of("its_translate", "smmu_walk"), tab("trace on "), "the points that are off");
        assertEquals(List.of("pci_msi_signal"), tab("trace off "), "the points that are on");
        assertEquals(List.of("off"), tab("trace --file "));
        assertEquals(List.of("bind", "lspci"), tab("help "));
        assertEquals(List.of("--all"), tab("help -"));
    }

    @Test
    void aScopedCommandNameCompletesAsThePlainOne() {
        assertEquals(tab("bind "), tab("trapdoor:bind "));
    }

    @Test
    void theOptionsTableDescribesEachOption() {
        Map<String, String> o = ArgumentCompleter.options("lspci");
        assertTrue(o.get("-vvv").contains("more"), o.toString());
        assertEquals(Map.of(), ArgumentCompleter.options("stats"));
    }
}
