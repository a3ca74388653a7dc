package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.policy.dom0init.Dom0InitPolicy;
import org.trapdoor.policy.hwdomdirect.HwdomDirectPolicy;
import org.trapdoor.xen.passthrough.PciSubsystem;

/**
 * The assignment flow end to end with the Linux-like kernel in every domain: Dom0 enumerates the
 * real bridge and reports each function by hypercall; {@code pci-assignable-add}; {@code xl create}
 * with {@code pci=[...]}; the DomU's kernel enumerates its device at 00:00.0 with the host's IDs,
 * assigns its BARs in the vPCI window and enables it; its DMA lands in its own memory; detach
 * quarantines it; attach gives it back.
 */
class PassthroughTest {
    private final XenRig rig = new XenRig("virt", Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0");
    private final PciSubsystem pci = new PciSubsystem(rig.xen);

    PassthroughTest() {
        pci.policyRegistry().add("bridge-owner", new Dom0InitPolicy());
        pci.policyRegistry().add("hwdom-config", new HwdomDirectPolicy());
        rig.xen.pci(pci);
        rig.xen.boot();
    }

    @AfterEach
    void close() {
        rig.close();
    }

    private PciDeviceStatus status(String bdf) {
        return rig.xen.pciDevices().stream().filter(s -> s.bdf().equals(bdf)).findFirst().orElseThrow();
    }

    @Test
    void dom0sKernelReportsEveryFunctionItEnumerated() {
        assertEquals(List.of("0000:00:00.0", "0000:00:01.0", "0000:00:02.0"),
                rig.xen.pciDevices().stream().map(PciDeviceStatus::bdf).toList());
        assertTrue(rig.xen.pciDevices().stream().allMatch(s -> s.owner().equals("Domain-0")));
        assertTrue(rig.xen.hostBridges().get(0).ready());
    }

    @Test
    void assignmentFlowEndToEnd() {
        rig.xen.assignableAdd("0000:00:02.0");
        assertEquals("dom_io", status("0000:00:02.0").owner());
        Domain d = rig.xen.create(new DomainConfig("guest1", 64, 1, List.of(new PciSpec(0, 0, 2, 0, -1, false, false))));
        GuestKernel k = d.kernel();
        assertEquals("guest1", status("0000:00:02.0").owner());
        List<GuestPciDevice> devs = k.pciDevices();
        GuestPciDevice dev = devs.stream().filter(g -> g.devfn() == 0 && g.bus() == 0).findFirst()
                .orElseThrow(() -> new AssertionError("no 00:00.0 in the DomU: " + devs + "\n" + String.join("\n", k.bootLog())));
        assertEquals(TestDevice.VENDOR_ID, dev.vendorId());
        assertEquals(TestDevice.DEVICE_ID, dev.deviceId());
        assertEquals(0x2, dev.command() & 0x2, "memory decoding enabled");
        for (GuestBar b : dev.bars()) {
            boolean inMem = b.cpuAddress() >= 0x2300_0000L && b.cpuAddress() + b.size() <= 0x3300_0000L;
            boolean inPrefetch = b.cpuAddress() >= 0x1_0000_0000L && b.cpuAddress() + b.size() <= 0x2_0000_0000L;
            assertTrue(inMem || inPrefetch, "BAR" + b.index() + " at 0x" + Long.toHexString(b.cpuAddress()));
        }
        GuestDmaTest t = k.dmaTest(dev.bdf(), 0x4000_0000L + (16 << 20), 64, true);
        assertTrue(t.ok(), t.message());

        rig.xen.detach("guest1", "0000:00:02.0");
        assertEquals("dom_io", status("0000:00:02.0").owner());
        assertEquals("abort", status("0000:00:02.0").iommuContext());
        rig.xen.attach("guest1", new PciSpec(0, 0, 2, 0, -1, false, false));
        assertEquals("guest1", status("0000:00:02.0").owner());
        rig.xen.destroy("guest1");
        assertEquals("dom_io", status("0000:00:02.0").owner());
        assertEquals(List.of("0000:00:02.0"), rig.xen.assignableList());
    }
}
