package org.trapdoor.policy.domumsivits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;

class DomuMsiVitsPolicyTest {
    @Test
    void applyAsksTheDomainFor_virtualIts() {
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
        DomuMsiPolicy p = new DomuMsiVitsPolicy();
        p.apply(d);
        assertEquals(List.of("virtualIts"), calls);
        assertEquals("vits", p.name());
    }
}
