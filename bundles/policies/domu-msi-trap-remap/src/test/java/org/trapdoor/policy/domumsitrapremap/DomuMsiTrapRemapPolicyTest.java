package org.trapdoor.policy.domumsitrapremap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;

class DomuMsiTrapRemapPolicyTest {
    private final List<String> calls = new ArrayList<>();

    private DomuMsiPlumbing plumbing(boolean offersTrapRemap) {
        return new DomuMsiPlumbing() {
            public String domain() {
                return "guest1";
            }

            public void noMsi() {
                calls.add("noMsi");
            }

            public void virtualIts() {
                calls.add("virtualIts");
            }

            @Override
            public void trapAndRemap() {
                if (!offersTrapRemap) {
                    DomuMsiPlumbing.super.trapAndRemap();
                }
                calls.add("trapAndRemap");
            }

            public String active() {
                return "none";
            }
        };
    }

    @Test
    void applyAsksTheDomainForTrapAndRemap() {
        DomuMsiPolicy p = new DomuMsiTrapRemapPolicy();
        p.apply(plumbing(true));
        assertEquals(List.of("trapAndRemap"), calls);
        assertEquals("trap-remap", p.name());
    }

    @Test
    void aHypervisorWithoutItRefusesWithTheDomainsName() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> new DomuMsiTrapRemapPolicy().apply(plumbing(false)));
        assertEquals("trap-and-remap is not available for guest1", e.getMessage());
        assertEquals(List.of(), calls, "nothing else was asked for");
    }
}
