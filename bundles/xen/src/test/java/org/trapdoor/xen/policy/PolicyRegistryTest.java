package org.trapdoor.xen.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.HypervisorPolicy;
import org.trapdoor.api.hypervisor.PolicyInfo;

class PolicyRegistryTest {
    record Named(String name) implements HypervisorPolicy {
        public String description() {
            return name;
        }
    }

    private final List<String> console = new ArrayList<>();
    private final List<String> changes = new ArrayList<>();
    private final PolicyRegistry registry = new PolicyRegistry(console::add);

    PolicyRegistryTest() {
        registry.declare("bridge-owner", "dom0-init", false);
        registry.declare("domu-msi", "none", true);
        registry.addListener((kind, domain, now) -> changes.add(kind + "/" + domain + "=" + (now == null ? null : now.name())));
    }

    @Test
    void theDefaultTakesOverWhenItArrivesAfterAnother() {
        Named xen = new Named("xen-init");
        Named dom0 = new Named("dom0-init");
        registry.add("bridge-owner", xen);
        assertSame(xen, registry.active("bridge-owner"));
        registry.add("bridge-owner", dom0);
        // What stood in for the default gives way to it: the default does not depend on start order.
        assertSame(dom0, registry.active("bridge-owner"));
        assertEquals(List.of("bridge-owner/null=xen-init", "bridge-owner/null=dom0-init"), changes);
    }

    @Test
    void aUsersChoiceStaysWhenTheDefaultArrivesLater() {
        Named xen = new Named("xen-init");
        registry.add("bridge-owner", xen);
        registry.set(null, "bridge-owner", "xen-init");
        registry.add("bridge-owner", new Named("dom0-init"));
        assertSame(xen, registry.active("bridge-owner"));
    }

    @Test
    void implementationsBoundBeforeTheKindIsDeclaredGiveWayToTheDeclaredDefault() {
        // DS may bind policy services before Xen declares the kind: the first one is taken meanwhile.
        Named sanitise = new Named("abort-sanitise");
        Named map = new Named("map");
        registry.add("doorbell", sanitise);
        registry.add("doorbell", map);
        assertSame(sanitise, registry.active("doorbell"));
        registry.declare("doorbell", "map", true);
        assertSame(map, registry.active("doorbell"));
        assertEquals("doorbell/null=map", changes.get(changes.size() - 1));
    }

    @Test
    void stoppingTheActivePolicyFallsBackToTheDefaultAndSaysSo() {
        Named xen = new Named("xen-init");
        Named dom0 = new Named("dom0-init");
        registry.add("bridge-owner", dom0);
        registry.add("bridge-owner", xen);
        registry.set(null, "bridge-owner", "xen-init");
        assertSame(xen, registry.active("bridge-owner"));
        registry.remove("bridge-owner", xen);
        assertSame(dom0, registry.active("bridge-owner"));
        assertTrue(console.get(console.size() - 1).contains("xen-init went away, falling back to dom0-init"),
                console.toString());
        assertEquals("bridge-owner/null=dom0-init", changes.get(changes.size() - 1));
    }

    @Test
    void removingTheLastImplementationLeavesNoneAndSaysSo() {
        Named dom0 = new Named("dom0-init");
        registry.add("bridge-owner", dom0);
        registry.remove("bridge-owner", dom0);
        assertNull(registry.active("bridge-owner"));
        assertTrue(console.get(0).contains("no implementation left"), console.toString());
    }

    @Test
    void perDomainChoiceOverridesTheSystemWideOneAndFallsBackWithIt() {
        Named none = new Named("none");
        Named trap = new Named("trap-remap");
        registry.add("domu-msi", none);
        registry.add("domu-msi", trap);
        registry.set("guest1", "domu-msi", "trap-remap");
        assertSame(trap, registry.active("domu-msi", "guest1"));
        assertSame(none, registry.active("domu-msi", "guest2"));
        List<PolicyInfo> info = registry.info();
        assertTrue(info.contains(new PolicyInfo("domu-msi", "guest1", "trap-remap", List.of("none", "trap-remap"), "none")),
                info.toString());
        registry.remove("domu-msi", trap);
        assertSame(none, registry.active("domu-msi", "guest1"));
        assertTrue(console.get(console.size() - 1).contains("for guest1: trap-remap went away"), console.toString());
    }

    @Test
    void aDomainsChoiceItsListenerRefusesIsNotRecorded() {
        Named none = new Named("none");
        Named vits = new Named("vits");
        Named trap = new Named("trap-remap");
        registry.add("domu-msi", none);
        registry.add("domu-msi", vits);
        registry.add("domu-msi", trap);
        registry.addListener((kind, domain, now) -> {
            if (domain != null && now == trap) {
                throw new HypervisorException("guest1 booted with a vITS");
            }
        });
        registry.set("guest1", "domu-msi", "vits");
        HypervisorException e = assertThrows(HypervisorException.class,
                () -> registry.set("guest1", "domu-msi", "trap-remap"));
        assertEquals("guest1 booted with a vITS", e.getMessage());
        assertSame(vits, registry.active("domu-msi", "guest1"), "the previous choice stays in force");
        assertTrue(registry.info().contains(new PolicyInfo("domu-msi", "guest1", "vits",
                List.of("none", "vits", "trap-remap"), "none")), registry.info().toString());
        assertTrue(console.get(console.size() - 1).contains("trap-remap refused"), console.toString());
        // A domain with no choice of its own before the refusal keeps following the system-wide one.
        assertThrows(HypervisorException.class, () -> registry.set("guest2", "domu-msi", "trap-remap"));
        assertSame(none, registry.active("domu-msi", "guest2"));
        assertTrue(registry.info().stream().noneMatch(p -> "guest2".equals(p.domain())), registry.info().toString());
    }

    @Test
    void badChoicesAreRefusedWithOneLine() {
        registry.add("bridge-owner", new Named("dom0-init"));
        assertEquals("unknown policy kind 'nope' (known: bridge-owner, domu-msi)",
                assertThrows(HypervisorException.class, () -> registry.set(null, "nope", "x")).getMessage());
        assertEquals("no bridge-owner policy named 'x' (registered: dom0-init)",
                assertThrows(HypervisorException.class, () -> registry.set(null, "bridge-owner", "x")).getMessage());
        assertEquals("policy bridge-owner is system-wide, not per domain",
                assertThrows(HypervisorException.class, () -> registry.set("guest1", "bridge-owner", "dom0-init"))
                        .getMessage());
    }

    @Test
    void aStaleRemovalOfAReplacedServiceChangesNothing() {
        Named first = new Named("dom0-init");
        Named second = new Named("dom0-init");
        registry.add("bridge-owner", first);
        registry.add("bridge-owner", second); // a bundle update: the new service binds before the old unbinds
        registry.remove("bridge-owner", first);
        assertSame(second, registry.active("bridge-owner"));
    }
}
