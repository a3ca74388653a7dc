package org.trapdoor.policy.dom0init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.HostBridgeControl;

class Dom0InitPolicyTest {
    /** A bridge that records what the policy did to it. */
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
            calls.add("ready: " + how);
            ready = true;
        }

        public boolean ready() {
            return ready;
        }
    }

    @Test
    void bridgeStaysNotReadyUntilDom0ReportsADevice() {
        Bridge b = new Bridge(true);
        Dom0InitPolicy p = new Dom0InitPolicy();
        p.bridgeFound(b);
        assertFalse(b.ready());
        assertTrue(b.calls.isEmpty(), "Xen must not run bring-up under dom0-init: " + b.calls);
        p.hardwareDomainReported(b, "0000:00:01.0");
        assertTrue(b.ready());
        assertEquals(1, b.calls.size());
        assertTrue(b.calls.get(0).contains("0000:00:01.0") && b.calls.get(0).contains("PHYSDEVOP_pci_device_add"),
                b.calls.get(0));
    }

    @Test
    void laterReportsDoNotMarkAgain() {
        Bridge b = new Bridge(false);
        Dom0InitPolicy p = new Dom0InitPolicy();
        p.hardwareDomainReported(b, "0000:00:01.0");
        p.hardwareDomainReported(b, "0000:00:02.0");
        assertEquals(1, b.calls.size());
    }
}
