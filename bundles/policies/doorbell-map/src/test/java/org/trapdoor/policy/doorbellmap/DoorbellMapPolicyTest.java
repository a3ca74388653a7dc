package org.trapdoor.policy.doorbellmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.DoorbellPlumbing;

class DoorbellMapPolicyTest {
    @Test
    void applyAsksTheDomainFor_mapDoorbell() {
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
        new DoorbellMapPolicy().apply(d);
        assertEquals(List.of("mapDoorbell"), calls);
    }
}
