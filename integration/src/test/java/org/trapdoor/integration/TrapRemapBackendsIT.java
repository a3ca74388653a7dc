package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.hypervisor.Toolstack;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.memory.AddressSpace;

/**
 * Trap-remap on hosts without an ITS, with the real bundles in Felix (issue 13): the backend is
 * asked of the bound MSI controller model. On virt-gicv2m (a GICv2m frame: its SPI names the
 * vector) and on a GICv2 host whose ECAM bridge's {@code msi-parent} is the X-Gene v1 MSI block
 * (vectors share a group SPI; Xen reads MSIINTn and the read-to-clear index registers, and Dom0's
 * own vectors on the same group keep reaching Dom0), guest1's device raises each vector and the
 * guest's own counts, the device's sent count and the ledgers are held against each other; on
 * virt-gicv2m the policy is also switched with {@code none} under traffic.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class TrapRemapBackendsIT {
    private static final long TIMEOUT_MS = 30_000;
    private static final int REG_RAISE = 0x30, REG_MSG_SENT = 0x44;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private ServiceTracker<Hypervisor, Hypervisor> hypervisors;
    private ServiceTracker<Toolstack, Toolstack> toolstacks;
    private ServiceTracker<Machine, Machine> machines;
    private Hypervisor hv;
    private Toolstack xl;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    private void boot(String platform, String... devices) throws Exception {
        Dictionary<String, Object> xen = new Hashtable<>();
        xen.put("default_guest", false);
        configurationAdmin.getConfiguration("org.trapdoor.xen", "?").update(xen);
        Dictionary<String, Object> machine = new Hashtable<>();
        machine.put("platform", platform);
        machine.put("hypervisor", "xen");
        machine.put("devices", devices);
        configurationAdmin.getConfiguration("org.trapdoor.machine", "?").update(machine);
        hypervisors = new ServiceTracker<>(context, Hypervisor.class, null);
        hypervisors.open();
        toolstacks = new ServiceTracker<>(context, Toolstack.class, null);
        toolstacks.open();
        machines = new ServiceTracker<>(context, Machine.class, null);
        machines.open();
        hv = hypervisors.waitForService(TIMEOUT_MS);
        assertNotNull("no Hypervisor service within " + TIMEOUT_MS + " ms", hv);
        xl = toolstacks.waitForService(TIMEOUT_MS);
        assertNotNull(xl);
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (hv.hardwareDomain().kernel() == null || hv.pciDevices().size() < 2 || !hasTrapRemap()) {
            if (System.currentTimeMillis() > end) {
                fail("Dom0 has not booted, or trap-remap is not there: " + hv.policies() + " " + hv.pciDevices());
            }
            Thread.sleep(10);
        }
    }

    private boolean hasTrapRemap() {
        return hv.policies().stream().filter(p -> p.kind().equals("domu-msi") && p.domain() == null).findFirst()
                .map(PolicyInfo::available).orElse(List.of()).contains("trap-remap");
    }

    @After
    public void close() {
        for (ServiceTracker<?, ?> t : new ServiceTracker<?, ?>[] {hypervisors, toolstacks, machines}) {
            if (t != null) {
                t.close();
            }
        }
    }

    private Domain guest1() {
        hv.setPolicy(null, "domu-msi", "trap-remap");
        return hv.create(xl.readConfig("guest1.cfg", "name = 'guest1'\nmemory = 128\nvcpus = 1\n"
                + "pci = [ '00:02.0,seize=1' ]\n"));
    }

    private static long handled(Domain g, int intid) {
        long n = 0;
        for (GuestIrqCount c : g.kernel().interruptCounts()) {
            if (c.intid() == intid) {
                n += c.count();
            }
        }
        return n;
    }

    /** Dom0's vectors of its own device, 00:01.0 (its driver also set 00:02.0 up before guest1 seized it). */
    private static List<GuestMsiVector> own(Domain dom0) {
        return dom0.kernel().msiVectors().stream().filter(v -> v.bdf().endsWith("00:01.0")).toList();
    }

    private static long sum(List<GuestMsiVector> v) {
        return v.stream().mapToLong(GuestMsiVector::count).sum();
    }

    /** Each vector raised a different number of times: the guest's own count of each SPI, exactly. */
    private void exactPerVector(Domain g) {
        List<GuestMsiVector> vectors = g.kernel().msiVectors();
        assertEquals(String.join("\n", g.kernel().bootLog()), 4, vectors.size());
        assertTrue(vectors.toString(), vectors.stream().allMatch(v -> v.target() == GuestMsiVector.Target.SPI));
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        AddressSpace ipa = g.ipaSpace();
        long sent0 = ipa.read(bar0 + REG_MSG_SENT, 4);
        int[] raises = {3, 1, 6, 2};
        long total = 0;
        for (int v = 0; v < 4; v++) {
            for (int i = 0; i < raises[v]; i++) {
                ipa.write(bar0 + REG_RAISE, 4, v);
                total++;
            }
        }
        assertEquals(total, ipa.read(bar0 + REG_MSG_SENT, 4) - sent0);
        for (int v = 0; v < 4; v++) {
            assertEquals("vector " + v, raises[v], handled(g, vectors.get(v).intid()));
        }
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void onAGicv2mHostTheGuestGetsExactlyItsVectorsAndASwitchWithNoneUnderTrafficLosesNothing()
            throws Exception {
        boot("virt-gicv2m", "testdev,addr=01.0,msi=4", "testdev,addr=02.0,msi=4");
        Domain g = guest1();
        exactPerVector(g);
        List<GuestMsiVector> vectors = g.kernel().msiVectors();
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        AddressSpace ipa = g.ipaSpace();
        InterruptCounters x = hv.interruptLedger();
        InterruptCounters m = ((MachineInterrupts) machines.waitForService(TIMEOUT_MS)).msiLedger();
        long noMsi0 = x.dropped(DropReason.DOMU_NO_MSI), coalesced0 = x.dropped(DropReason.COALESCED),
                gicCoalesced0 = m.dropped(DropReason.COALESCED), sent0 = ipa.read(bar0 + REG_MSG_SENT, 4);
        long handled0 = 0;
        for (GuestMsiVector v : vectors) {
            handled0 += handled(g, v.intid());
        }
        int total = 20_000;
        Thread traffic = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                ipa.write(bar0 + REG_RAISE, 4, i & 3);
            }
        }, "trap-remap traffic");
        traffic.start();
        int switches = 0;
        long longest = 0;
        while (traffic.isAlive()) {
            long t0 = System.nanoTime();
            hv.setPolicy("guest1", "domu-msi", (switches++ & 1) == 0 ? "none" : "trap-remap");
            longest = Math.max(longest, System.nanoTime() - t0);
        }
        traffic.join();
        hv.setPolicy("guest1", "domu-msi", "trap-remap");
        System.out.printf("virt-gicv2m trap-remap <-> none: %d switches, longest %d us%n", switches, longest / 1000);
        long handled = -handled0;
        for (GuestMsiVector v : vectors) {
            handled += handled(g, v.intid());
        }
        long sent = ipa.read(bar0 + REG_MSG_SENT, 4) - sent0;
        long noMsi = x.dropped(DropReason.DOMU_NO_MSI) - noMsi0;
        long merged = x.dropped(DropReason.COALESCED) - coalesced0 + m.dropped(DropReason.COALESCED) - gicCoalesced0;
        assertEquals(total, sent);
        assertEquals("every message handled, dropped for the policy, or merged with one still pending", sent,
                handled + noMsi + merged);
        assertTrue("both outcomes: handled " + handled + ", DOMU_NO_MSI " + noMsi, handled > 0 && noMsi > 0);
        hv.destroy("guest1");
    }

    /** virt-gicv2m with the X-Gene v1 MSI block added at 0x0a000000 (SPIs 48..63) as the bridge's msi-parent. */
    private static final String XGENE_TREE = "/dts-v1/;\n/ {\n"
            + " compatible = \"trapdoor,virt-gicv2m\", \"linux,dummy-virt\";\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " interrupt-parent = <&gic>;\n"
            + " cpus { #address-cells = <1>; #size-cells = <0>;\n"
            + "  cpu@0 { device_type = \"cpu\"; compatible = \"arm,cortex-a15\"; reg = <0>; enable-method = \"psci\"; };\n };\n"
            + " psci { compatible = \"arm,psci-1.0\", \"arm,psci-0.2\"; method = \"hvc\"; };\n"
            + " memory@40000000 { device_type = \"memory\"; reg = <0x0 0x40000000 0x0 0x40000000>; };\n"
            + " gic: intc@8000000 { compatible = \"arm,gic-400\", \"arm,cortex-a15-gic\"; interrupt-controller;\n"
            + "  #interrupt-cells = <3>; reg = <0x0 0x08000000 0x0 0x1000>, <0x0 0x08010000 0x0 0x2000>; };\n"
            + " pl011@9000000 { compatible = \"arm,pl011\", \"arm,primecell\"; reg = <0x0 0x09000000 0x0 0x1000>;"
            + " interrupts = <0 1 4>; };\n"
            + " xmsi: msi@a000000 { compatible = \"apm,xgene1-msi\"; msi-controller; reg = <0x0 0x0a000000 0x0 0x900000>;\n"
            + "  interrupts = <0 16 4>, <0 17 4>, <0 18 4>, <0 19 4>, <0 20 4>, <0 21 4>, <0 22 4>, <0 23 4>,"
            + " <0 24 4>, <0 25 4>, <0 26 4>, <0 27 4>, <0 28 4>, <0 29 4>, <0 30 4>, <0 31 4>; };\n"
            + " timer { compatible = \"arm,armv7-timer\"; always-on;"
            + " interrupts = <1 13 0x304>, <1 14 0x304>, <1 11 0x304>, <1 10 0x304>; };\n"
            + " pcie@10000000 { compatible = \"pci-host-ecam-generic\"; device_type = \"pci\"; #address-cells = <3>;\n"
            + "  #size-cells = <2>; linux,pci-domain = <0>; bus-range = <0x00 0xff>; dma-coherent;\n"
            + "  reg = <0x40 0x10000000 0x0 0x10000000>;\n"
            + "  ranges = <0x01000000 0x00 0x00000000 0x00 0x3eff0000 0x00 0x00010000>,"
            + " <0x02000000 0x00 0x10000000 0x00 0x10000000 0x00 0x2eff0000>,"
            + " <0x03000000 0x80 0x00000000 0x80 0x00000000 0x80 0x00000000>;\n"
            + "  msi-parent = <&xmsi>; };\n};\n";

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void throughTheXgeneMsiBlockTheGuestAndDom0EachGetExactlyTheirOwnVectors() throws Exception {
        Path dts = Files.createTempFile("virt-gicv2m-xgene-msi", ".dts");
        Files.writeString(dts, XGENE_TREE, StandardCharsets.UTF_8);
        try {
            boot(dts.toString(), "testdev,addr=01.0,msi=1,msix=16", "testdev,addr=02.0,msi=4,msix=0");
            Domain dom0 = hv.hardwareDomain();
            List<GuestMsiVector> d0 = own(dom0);
            assertEquals(String.join("\n", dom0.kernel().bootLog()), 16, d0.size());
            Domain g = guest1();
            exactPerVector(g);
            // Both devices flat out: Dom0's vector 15 shares group 15's SPI with Xen's block.
            long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
            long dom0Bar0 = dom0.kernel().pciDevices().stream().filter(p -> p.bdf().endsWith("00:01.0")).findFirst()
                    .orElseThrow().bar(0).cpuAddress();
            InterruptCounters m = ((MachineInterrupts) machines.waitForService(TIMEOUT_MS)).msiLedger();
            long merged0 = m.dropped(DropReason.COALESCED);
            long d0Before = sum(own(dom0));
            List<GuestMsiVector> vectors = g.kernel().msiVectors();
            long gBefore = 0;
            for (GuestMsiVector v : vectors) {
                gBefore += handled(g, v.intid());
            }
            long gSent0 = g.ipaSpace().read(bar0 + REG_MSG_SENT, 4);
            long d0Sent0 = dom0.ipaSpace().read(dom0Bar0 + REG_MSG_SENT, 4);
            int n = 5_000;
            Thread a = new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    g.ipaSpace().write(bar0 + REG_RAISE, 4, i & 3);
                }
            });
            Thread b = new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    dom0.ipaSpace().write(dom0Bar0 + REG_RAISE, 4, 15);
                }
            });
            a.start();
            b.start();
            a.join();
            b.join();
            long gHandled = -gBefore;
            for (GuestMsiVector v : vectors) {
                gHandled += handled(g, v.intid());
            }
            long d0Handled = sum(own(dom0)) - d0Before;
            long sent = g.ipaSpace().read(bar0 + REG_MSG_SENT, 4) - gSent0
                    + dom0.ipaSpace().read(dom0Bar0 + REG_MSG_SENT, 4) - d0Sent0;
            assertEquals(2L * n, sent);
            assertEquals("each message handled once by its own guest, or merged at the block",
                    sent, gHandled + d0Handled + m.dropped(DropReason.COALESCED) - merged0);
            assertTrue(gHandled > 0 && d0Handled > 0);
            hv.destroy("guest1");
        } finally {
            Files.deleteIfExists(dts);
        }
    }
}
