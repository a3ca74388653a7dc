package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.xen.component.XenComponent;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.xen.domain.XenDomain;

/**
 * The whole Xen on the virt machine, wired as the OSGi component wires it (vGIC + vITS, PCI
 * subsystem with Xen's SMMUv3 driver): Dom0 boots and reports its functions, guest1 is created with
 * the endpoint 00:02.0 seized from Dom0, enumerates it behind its vPCI bridge, and on destroy the
 * endpoint returns to quarantine and the memory to Xen.
 */
class XenSystemTest {
    @Test
    void dom0AndGuest1BootEndToEnd() {
        try (XenRig rig = XenRig.full("virt", Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0")) {
            XenDomain dom0 = rig.xen.boot();
            assertEquals(3, dom0.kernel().pciDevices().size());
            assertFalse(dom0.kernel().bootLog().stream().anyMatch(l -> l.contains("Failed to add")),
                    dom0.kernel().bootLog().toString());
            List<String> owners = rig.xen.pciDevices().stream().map(PciDeviceStatus::owner).distinct().toList();
            assertEquals(List.of("Domain-0"), owners, "every function Dom0 reported is Dom0's");
            // Made assignable first: Dom0's driver lets the function go, and the host ITT Xen kept
            // for Dom0's mapping of it returns to the heap with its vectors.
            rig.xen.assignableAdd("0000:00:02.0");
            int free = rig.xen.heap().freeFrames();

            XenDomain g = (XenDomain) rig.xen.create(new DomainConfig(XenComponent.DEFAULT_GUEST,
                    XenComponent.DEFAULT_GUEST_MIB, 1, List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
            assertNotNull(g.kernel());
            List<GuestPciDevice> seen = g.kernel().pciDevices();
            assertEquals(1, seen.size(), g.kernel().bootLog().toString());
            GuestPciDevice d = seen.get(0);
            assertEquals("0000:00:00.0", d.bdf());
            GuestPciDevice host = dom0.kernel().pciDevices().stream().filter(x -> x.bdf().equals("0000:00:02.0"))
                    .findFirst().orElseThrow();
            assertEquals(host.vendorId(), d.vendorId());
            assertEquals(host.deviceId(), d.deviceId());
            assertEquals(XenComponent.DEFAULT_GUEST, owner(rig, "0000:00:02.0"));

            rig.xen.destroy(XenComponent.DEFAULT_GUEST);
            assertEquals("dom_io", owner(rig, "0000:00:02.0"), "back to quarantine");
            assertEquals(free, rig.xen.heap().freeFrames(), "guest1's memory and tables returned");
        }
    }

    @Test
    void assignmentReleasesTheFunctionInDom0AndResetsItSoNoneOfDom0sMsiSetUpFollowsIt() {
        try (XenRig rig = XenRig.full("virt", Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0")) {
            XenDomain dom0 = rig.xen.boot();
            TestDevice dev = (TestDevice) rig.machine.domain("/pcie@10000000").hierarchy().function(0, 0x10);
            assertTrue(dev.vectors() > 0, "Dom0's driver enabled MSI-X on 00:02.0");
            assertTrue(dom0.kernel().msiVectors().stream().anyMatch(v -> v.bdf().equals("0000:00:02.0")));
            InterruptCounters ledger = dev.msiLedger();
            long sent = dev.messagesSent();
            long disabled = ledger.dropped(DropReason.DISABLED);
            long faults = ledger.dropped(DropReason.IOMMU_FAULT);

            XenDomain g = (XenDomain) rig.xen.create(new DomainConfig(XenComponent.DEFAULT_GUEST,
                    XenComponent.DEFAULT_GUEST_MIB, 1, List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));

            assertEquals(1, dev.functionLevelResets(), "pciback reset the function with an FLR");
            assertEquals(0, dev.vectors(), "MSI and MSI-X are off");
            assertFalse(dom0.kernel().msiVectors().stream().anyMatch(v -> v.bdf().equals("0000:00:02.0")),
                    "Dom0's driver freed its vectors");
            assertTrue(dom0.kernel().bootLog().stream().anyMatch(l -> l.contains("0000:00:02.0: driver unbound, MSI-X freed")
                    && l.endsWith("pciback: FLR")), dom0.kernel().bootLog().toString());
            assertEquals(TestDevice.VENDOR_ID, g.kernel().pciDevices().get(0).vendorId(), "the BARs came back after the reset");
            for (int i = 0; i < 100; i++) {
                dev.raise(i & 3);
            }
            assertEquals(sent, dev.messagesSent(), "the device sent nothing");
            assertEquals(disabled + 100, ledger.dropped(DropReason.DISABLED), "each raise refused by the device");
            assertEquals(faults, ledger.dropped(DropReason.IOMMU_FAULT), "no MSI write reached the SMMU");
            assertEquals(0, g.dmaFaults());
            // The rest of Dom0's MSIs are untouched: 00:01.0 still delivers.
            TestDevice other = (TestDevice) rig.machine.domain("/pcie@10000000").hierarchy().function(0, 0x08);
            long handled = dom0.kernel().interruptsHandled();
            other.raise(0);
            assertEquals(handled + 1, dom0.kernel().interruptsHandled());

            // Back from the DomU: quarantined and reset again (libxl__device_pci_reset).
            rig.xen.destroy(XenComponent.DEFAULT_GUEST);
            assertEquals(2, dev.functionLevelResets());
            assertEquals("dom_io", owner(rig, "0000:00:02.0"));
        }
    }

    @Test
    void destroyWhileTheDeviceRaisesMsisAndDmasLeaksNothingAndTheCountersBalance() throws Exception {
        try (XenRig rig = XenRig.full("virt", Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0")) {
            rig.xen.boot();
            rig.xen.assignableAdd("0000:00:02.0");
            int free = rig.xen.heap().freeFrames();
            TestDevice dev = (TestDevice) rig.machine.domain("/pcie@10000000").hierarchy().function(0, 0x10);
            InterruptCounters machine = dev.msiLedger();
            long fired0 = machine.fired();
            long raises0 = dev.raises();
            XenDomain g = (XenDomain) rig.xen.create(new DomainConfig("g", 64, 1,
                    List.of(new PciSpec(0, 0, 2, 0, -1, false, false))));
            long guestRam = org.trapdoor.xen.domain.GuestLayout.RAM0_BASE + (32 << 20);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLong dmaOk = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicLong dmaAborted = new java.util.concurrent.atomic.AtomicLong();
            // Set once destroy has returned; a DMA the device starts after that must not succeed.
            // (A count read right after destroy would race with the one DMA in flight across it.)
            java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLong okAfterGone = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
            Thread msis = new Thread(() -> {
                try {
                    for (int i = 0; !stop.get(); i++) {
                        dev.raise(i & 3);
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            });
            Thread dmas = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        boolean startedAfterDestroy = gone.get();
                        switch (dev.dma(TestDevice.Direction.TO_BUS, 0, guestRam, 64)) {
                            case OK -> {
                                dmaOk.incrementAndGet();
                                if (startedAfterDestroy) {
                                    okAfterGone.incrementAndGet();
                                }
                            }
                            default -> dmaAborted.incrementAndGet();
                        }
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            });
            msis.start();
            dmas.start();
            Thread.sleep(50);
            rig.xen.destroy("g");
            gone.set(true);
            Thread.sleep(50);
            stop.set(true);
            msis.join();
            dmas.join();
            assertNull(failed.get(), () -> "traffic threw: " + failed.get());
            assertEquals(0, okAfterGone.get(), "no DMA started after the destroy succeeded");
            assertTrue(dmaAborted.get() > 0, "DMAs after the destroy aborted in the SMMU (dom_io)");
            assertEquals("dom_io", owner(rig, "0000:00:02.0"), "back to quarantine");
            assertEquals(free, rig.xen.heap().freeFrames(), "memory and P2M tables returned");
            assertTrue(rig.xen.find("g") == null, "the domain is gone");
            // Every raise the device counted is in the machine's ledger once, delivered or dropped.
            assertEquals(dev.raises() - raises0, machine.fired() - fired0);
            InterruptCounters.Snapshot m = machine.snapshot();
            assertEquals(m.fired(), m.delivered() + m.dropped(), m.toString());
            // Xen's own hops balance too: every interrupt it took injected or dropped with a reason.
            InterruptCounters.Snapshot x = rig.irqs.ledger().snapshot();
            assertEquals(x.fired(), x.delivered() + x.dropped(), x.toString());
        }
    }

    @Test
    void eachDomainsCpuTimeIsWhatItsVcpusRanGuestCode() {
        try (XenRig rig = XenRig.full("virt", Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0")) {
            XenDomain dom0 = rig.xen.boot();
            long booted = dom0.cpuTimeNanos();
            assertTrue(booted > 0, "Dom0's kernel boot ran on its vCPU");
            TestDevice dev = (TestDevice) rig.machine.domain("/pcie@10000000").hierarchy().function(0, 0x08);
            long handled = dom0.kernel().interruptsHandled();
            for (int i = 0; i < 2000; i++) {
                dev.raise(i & 3);
            }
            assertEquals(handled + 2000, dom0.kernel().interruptsHandled(), "Dom0 handled every MSI");
            long afterMsis = dom0.cpuTimeNanos();
            assertTrue(afterMsis > booted, "Dom0's handlers ran on its vCPU: " + booted + " -> " + afterMsis);

            XenDomain g = (XenDomain) rig.xen.create(new DomainConfig("g1", 64, 1, List.of()));
            assertTrue(g.cpuTimeNanos() > 0, "guest1's boot is its own time");
            assertEquals(afterMsis, dom0.cpuTimeNanos(), "nothing ran in Dom0 while the DomU booted");
            String list = org.trapdoor.xen.toolstack.XlFormats.list(rig.xen.domains());
            assertTrue(list.lines().anyMatch(l -> l.startsWith("Domain-0") && l.endsWith(
                    String.format("%.1f", dom0.cpuTimeNanos() / 1e9))), list);
        }
    }

    private static String owner(XenRig rig, String bdf) {
        return rig.xen.pciDevices().stream().filter(s -> s.bdf().equals(bdf)).findFirst().orElseThrow().owner();
    }
}
