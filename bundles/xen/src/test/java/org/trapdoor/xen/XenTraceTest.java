package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.TraceRecord;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.xen.component.XenComponent;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.passthrough.PciSubsystem;
import org.trapdoor.xen.vpci.GuestVpci;

/**
 * Issue 14: Xen's traps, hypercalls, physical interrupts and injections are trace points in the
 * machine's registry, listed with every model's, and while on a DomU's trapped config read and an
 * MSI injected into it are records with the values the guest and the device saw; while off,
 * nothing is recorded.
 */
class XenTraceTest {
    XenRig rig;
    XenDomain guest;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    /** Xen, Dom0 and guest1 with host 00:02.0 passed through under {@code domu-msi = vits}. */
    void boot() {
        rig = XenRig.full("virt", Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0,msi=4");
        PciSubsystem pci = rig.pci;
        XenComponent.wireMsi(rig.xen, rig.irqs, pci);
        pci.policyRegistry().add(DomuMsiPolicy.KIND, DomuMsiEndToEndTest.policy("none"));
        pci.policyRegistry().add(DomuMsiPolicy.KIND, DomuMsiEndToEndTest.policy("vits"));
        pci.policyRegistry().set(null, DomuMsiPolicy.KIND, "vits");
        rig.xen.boot();
        guest = (XenDomain) rig.xen.create(new DomainConfig("guest1", 64, 1,
                List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
    }

    Tracing tracing() {
        return rig.machine.tracing();
    }

    List<TraceRecord> since(long seq, String event) {
        return tracing().since(seq).stream().filter(r -> r.event().name().equals(event)).toList();
    }

    @Test
    void xensPointsAreListedWithTheModelsAndOffByDefault() {
        boot();
        Set<String> names = tracing().points().stream().map(TracePoint::name).collect(Collectors.toSet());
        for (String n : List.of("xen_mmio_trap", "xen_hypercall", "xen_irq", "xen_inject", "xen_vits_command")) {
            assertTrue(names.contains(n), n + " in " + names);
        }
        assertTrue(names.contains("its_translate"), "beside the models' points: " + names);
        assertTrue(tracing().points().stream().filter(p -> p.name().startsWith("xen_")).noneMatch(TracePoint::on));
        long seq = tracing().sequence();
        guest.ipaSpace().read(GuestVpci.ECAM_BASE, 4);
        assertEquals(seq, tracing().sequence(), "off: a trapped read records nothing");
    }

    @Test
    void aTrappedDomUConfigReadIsOneRecordWithWhatTheGuestRead() {
        boot();
        assertEquals(5, tracing().enable("xen_*", true));
        long seq = tracing().sequence();
        long id = guest.ipaSpace().read(GuestVpci.ECAM_BASE, 4);
        assertEquals((long) TestDevice.DEVICE_ID << 16 | TestDevice.VENDOR_ID, id);
        List<TraceRecord> traps = since(seq, "xen_mmio_trap");
        assertEquals(1, traps.size(), tracing().since(seq).toString());
        TraceRecord r = traps.get(0);
        assertEquals("d" + guest.id(), r.formatted("domain"));
        assertEquals(GuestVpci.ECAM_BASE, r.value("ipa"));
        assertEquals(4, r.value("size"));
        assertEquals(0, r.value("write"));
        assertEquals(id, r.value("data"));
        assertEquals("OK", r.formatted("result"));

        // A write the guest makes to its own Command register is one record too, marked as a write.
        seq = tracing().sequence();
        long command = guest.ipaSpace().read(GuestVpci.ECAM_BASE + 4, 2);
        assertEquals(MemResult.OK, guest.ipaSpace().write(GuestVpci.ECAM_BASE + 4, 2, command));
        List<TraceRecord> two = since(seq, "xen_mmio_trap");
        assertEquals(2, two.size());
        assertEquals(1, two.get(1).value("write"));
        assertEquals(GuestVpci.ECAM_BASE + 4, two.get(1).value("ipa"));
    }

    @Test
    void anMsiToTheDomUIsATakenInterruptAndAnInjectionOfTheGuestsLpi() {
        boot();
        GuestMsiVector v1 = guest.kernel().msiVectors().get(1);
        TestDevice dev = (TestDevice) rig.machine.domain("/pcie@10000000").hierarchy().function(0, 0x10);
        tracing().enable("xen_*", true);
        long seq = tracing().sequence();
        long handled = v1.count();
        assertEquals(MsiOutcome.SENT, dev.raise(1));
        assertEquals(handled + 1, guest.kernel().msiVectors().get(1).count(), "the guest handled it");

        List<TraceRecord> irqs = since(seq, "xen_irq");
        assertEquals(1, irqs.size(), tracing().since(seq).toString());
        assertTrue(irqs.get(0).value("intid") >= 8192, "a host LPI: " + irqs.get(0));
        assertEquals("delivered", irqs.get(0).formatted("outcome"));
        List<TraceRecord> injections = since(seq, "xen_inject").stream()
                .filter(r -> r.formatted("domain").equals("d" + guest.id())).toList();
        assertEquals(1, injections.size(), tracing().since(seq).toString());
        assertEquals(v1.intid(), injections.get(0).value("vintid"), "the LPI the guest mapped for vector 1");
        assertEquals("delivered", injections.get(0).formatted("outcome"));
        // The taken interrupt's record carries its fate, so it follows the injection that decided it.
        assertTrue(injections.get(0).sequence() < irqs.get(0).sequence(), "injected while taken, then its fate");

        tracing().enable("xen_*", false);
        seq = tracing().sequence();
        assertEquals(MsiOutcome.SENT, dev.raise(1));
        assertTrue(since(seq, "xen_inject").isEmpty() && since(seq, "xen_irq").isEmpty(), "off again: no records");
    }

    @Test
    void theDomUsVitsCommandsAndDom0sHypercallsWereRecordedWhileOnAtBoot() {
        rig = XenRig.full("virt", Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0,msi=4");
        tracing().enable("xen_*", true); // before boot: the rule holds for points declared later
        PciSubsystem pci = rig.pci;
        XenComponent.wireMsi(rig.xen, rig.irqs, pci);
        pci.policyRegistry().add(DomuMsiPolicy.KIND, DomuMsiEndToEndTest.policy("vits"));
        pci.policyRegistry().set(null, DomuMsiPolicy.KIND, "vits");
        long seq = tracing().sequence();
        rig.xen.boot();
        guest = (XenDomain) rig.xen.create(new DomainConfig("guest1", 64, 1,
                List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
        List<TraceRecord> calls = since(seq, "xen_hypercall");
        assertTrue(calls.stream().anyMatch(r -> r.value("domid") == 0), "Dom0's hypercalls: " + calls);
        List<TraceRecord> mapd = since(seq, "xen_vits_command").stream()
                .filter(r -> r.formatted("domain").equals("d" + guest.id()) && r.value("op") == 0x08).toList();
        assertTrue(!mapd.isEmpty() && mapd.stream().allMatch(r -> r.value("ok") == 1),
                "guest1's MAPD of its device: " + since(seq, "xen_vits_command"));
    }
}
