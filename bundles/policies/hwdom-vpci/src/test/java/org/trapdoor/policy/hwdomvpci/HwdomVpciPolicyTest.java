package org.trapdoor.policy.hwdomvpci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.HwdomConfigWindow;

class HwdomVpciPolicyTest {
    @Test
    void applyAsksTheWindowFor_trapThroughVpci() {
        List<String> calls = new ArrayList<>();
        HwdomConfigWindow w = new HwdomConfigWindow() {
            public String node() {
                return "/pcie@10000000";
            }

            public void mapDirect() {
                calls.add("mapDirect");
            }

            public void trapThroughVpci() {
                calls.add("trapThroughVpci");
            }
        };
        new HwdomVpciPolicy().apply(w);
        assertEquals(List.of("trapThroughVpci"), calls);
    }
}
