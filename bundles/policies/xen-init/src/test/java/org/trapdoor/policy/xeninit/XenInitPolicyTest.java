package org.trapdoor.policy.xeninit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.HostBridgeControl;

class XenInitPolicyTest {
    static final class Bridge implements HostBridgeControl {
        final List<String> calls = new ArrayList<>();
        boolean ready;
        final boolean needsBringUp;

        Bridge(boolean needsBringUp) {
            this.needsBringUp = needsBringUp;
        }

        public String node() {
            return "/pcie@10000000";
        }

        public int segment() {
            return 0;
        }

        public boolean needsBringUp() {
            return needsBringUp;
        }

        public void bringUp() {
            calls.add("bringUp");
        }

        public void markReady(String how) {
            calls.add("ready");
            ready = true;
        }

        public boolean ready() {
            return ready;
        }
    }

    @Test
    void bridgeWithASequenceIsBroughtUpBeforeItIsReady() {
        Bridge b = new Bridge(true);
        new XenInitPolicy().bridgeFound(b);
        assertEquals(List.of("bringUp", "ready"), b.calls);
    }

    @Test
    void genericEcamBridgeIsReadyAsFound() {
        Bridge b = new Bridge(false);
        new XenInitPolicy().bridgeFound(b);
        assertEquals(List.of("ready"), b.calls);
        assertTrue(b.ready());
    }

    @Test
    void aReadyBridgeIsNotBroughtUpTwice() {
        Bridge b = new Bridge(true);
        XenInitPolicy p = new XenInitPolicy();
        p.bridgeFound(b);
        p.hardwareDomainReported(b, "0000:00:01.0");
        assertEquals(List.of("bringUp", "ready"), b.calls);
    }
}
