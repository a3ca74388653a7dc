package org.trapdoor.policy.hwdomdirect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.HwdomConfigWindow;

class HwdomDirectPolicyTest {
    @Test
    void applyAsksTheWindowFor_mapDirect() {
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
        new HwdomDirectPolicy().apply(w);
        assertEquals(List.of("mapDirect"), calls);
    }
}
