package org.trapdoor.policy.domumsinone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;

class DomuMsiNonePolicyTest {
    @Test
    void applyAsksTheDomainFor_noMsi() {
        List<String> calls = new ArrayList<>();
        DomuMsiPlumbing d = new DomuMsiPlumbing() {
            public String domain() {
                return "guest1";
            }

            public void noMsi() {
                calls.add("noMsi");
            }

            public void virtualIts() {
                calls.add("virtualIts");
            }

            public String active() {
                return "none";
            }
        };
        DomuMsiPolicy p = new DomuMsiNonePolicy();
        p.apply(d);
        assertEquals(List.of("noMsi"), calls);
        assertEquals("none", p.name());
    }
}
