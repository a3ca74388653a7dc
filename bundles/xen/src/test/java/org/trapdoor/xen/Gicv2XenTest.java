package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.xen.domain.GuestLayout;
import org.trapdoor.xen.domain.XenDomain;

/**
 * Xen on a GICv2 host (the virt-gicv2m preset: GIC-400, a v2m frame, no ITS, no IOMMU): Dom0 gets
 * a vGICv2 at the host's GICD/GICC addresses, the v2m frame mapped 1:1 and its SPIs routed to it
 * ({@code gicv2_map_hwdom_extra_mappings}), so its MSIs reach its handlers as virtual SPIs; a DomU
 * gets libxl's GICv2 node at GUEST_GICD_BASE / GUEST_GICC_BASE.
 */
class Gicv2XenTest {
    @Test
    void dom0sMsisThroughTheV2mFrameReachItsHandlersExactlyPerVector() {
        try (XenRig rig = XenRig.full("virt-gicv2m", Xen.Options.DEFAULT, "testdev,addr=01.0")) {
            XenDomain dom0 = rig.xen.boot();
            List<GuestMsiVector> vectors = dom0.kernel().msiVectors();
            assertFalse(vectors.isEmpty(), dom0.kernel().bootLog().toString());
            for (GuestMsiVector v : vectors) {
                assertEquals(GuestMsiVector.Target.SPI, v.target(), v.toString());
                assertTrue(v.intid() >= 80 && v.intid() < 144, "an SPI of the v2m frame: " + v);
            }
            TestDevice dev = (TestDevice) rig.machine.domain("/pcie@10000000").hierarchy().function(0, 0x08);
            InterruptCounters machine = dev.msiLedger();
            long delivered = machine.delivered();
            int n = vectors.size();
            for (int v = 0; v < n; v++) {
                for (int i = 0; i <= v; i++) {
                    dev.raise(v);
                }
            }
            List<GuestMsiVector> after = dom0.kernel().msiVectors();
            long total = 0;
            for (int v = 0; v < n; v++) {
                assertEquals(vectors.get(v).count() + v + 1, after.get(v).count(), "vector " + v);
                total += v + 1;
            }
            assertEquals(delivered + total, machine.delivered(), "every MSI reached the physical GIC");
            InterruptCounters.Snapshot x = rig.irqs.ledger().snapshot();
            assertEquals(x.fired(), x.delivered() + x.dropped(), x.toString());
            assertTrue(x.delivered() >= total, x.toString());
        }
    }

    @Test
    void aDomUOnAGicv2HostGetsLibxlsGicv2NodeAndBoots() {
        try (XenRig rig = XenRig.full("virt-gicv2m", Xen.Options.DEFAULT)) {
            rig.xen.boot();
            int free = rig.xen.heap().freeFrames();
            XenDomain g = (XenDomain) rig.xen.create(new DomainConfig("g", 64, 1, List.of()));
            DtNode gic = g.deviceTree().node(String.format("/interrupt-controller@%x", GuestLayout.GICV2_GICD_BASE));
            assertNotNull(gic);
            assertEquals(List.of("arm,cortex-a15-gic"), gic.compatibles());
            assertEquals(GuestLayout.GICV2_GICC_BASE, gic.reg().get(1).address());
            assertNotNull(g.kernel(), "the DomU's kernel booted");
            assertTrue(g.kernel().bootLog().stream().noneMatch(l -> l.contains("no GICD and GICC")),
                    g.kernel().bootLog().toString());
            // Its distributor is trapped: GICD_TYPER says 32 SPIs, 1 CPU; GICD_IIDR is the GIC-400's.
            assertEquals(1, g.ipaSpace().read(GuestLayout.GICV2_GICD_BASE + 4, 4) & 0x1f);
            assertEquals(0x43bL, g.ipaSpace().read(GuestLayout.GICV2_GICD_BASE + 8, 4));
            rig.xen.destroy("g");
            assertEquals(free, rig.xen.heap().freeFrames());
        }
    }
}
