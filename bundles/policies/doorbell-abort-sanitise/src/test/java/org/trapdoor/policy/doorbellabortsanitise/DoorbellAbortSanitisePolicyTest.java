package org.trapdoor.policy.doorbellabortsanitise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.DoorbellPlumbing;

class DoorbellAbortSanitisePolicyTest {
    @Test
    void applyAsksTheDomainFor_abortAndSanitise() {
        List<String> calls = new ArrayList<>();
        DoorbellPlumbing d = new DoorbellPlumbing() {
            public String domain() {
                return "guest1";
            }

            public void mapDoorbell() {
                calls.add("mapDoorbell");
            }

            @Override
            public void abortAndSanitise() {
                calls.add("abortAndSanitise");
            }

            public String active() {
                return "map";
            }
        };
        new DoorbellAbortSanitisePolicy().apply(d);
        assertEquals(List.of("abortAndSanitise"), calls);
    }
}
