package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.host.BringUpResult;
import org.trapdoor.api.pci.host.HostBridgeBringUp;
import org.trapdoor.api.pci.host.RegisterAccess;

/**
 * The ZCU102 preset with the real bundles: its NWL bridge refuses config access until someone
 * brings it up; Xen (here: a caller holding the system address space, as Xen holds the bridge's
 * registers) or Dom0's kernel runs the bridge plugin's bring-up; the guest then takes MSIs from
 * both test endpoints through the NWL status bitmap, exactly once per raise and per vector.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class Zcu102NwlIT {
    private static final String PCIE = "/axi/pcie@fd0e0000";
    private static final String GUEST_BUNDLE = "org.trapdoor.guest";
    private static final int PER_VECTOR = 200;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private PresetServices rig;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @Before
    public void rig() {
        rig = new PresetServices(context, configurationAdmin);
    }

    @After
    public void closeTrackers() {
        rig.close();
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void underXenInitConfigIsRefusedUntilXenRunsTheBringUpThenDom0RunsItAgainAndMsisArriveExactly()
            throws Exception {
        Bundle guest = rig.bundle(GUEST_BUNDLE);
        guest.stop();
        Machine m = rig.boot("zcu102");
        HostBridge nwl = m.hostBridge(PCIE);
        assertNotNull("the NWL bridge is bound", nwl);
        assertEquals("config before bring-up reads all-ones", -1, nwl.configRead(0, 0, 0, 4));
        assertEquals(-1, nwl.configRead(1, 0x08, 0, 4));
        assertTrue(nwl.summary(), nwl.summary().contains("2 config accesses refused"));
        assertTrue("no link before bring-up", !nwl.ready());

        BringUpResult xen = rig.service(HostBridgeBringUp.class).run(node(m), "xen", access(m.system()));
        assertTrue(xen.toString(), xen.ok());
        assertEquals("the Xilinx root port", 0xd01110ee, nwl.configRead(0, 0, 0, 4));
        assertEquals("the first test endpoint behind it", 0x11e91234, nwl.configRead(1, 0x08, 0, 4));

        guest.start();
        GuestKernel g = rig.awaitGuest();
        assertTrue(String.join("\n", g.bootLog()), g.bootLog().stream().anyMatch(l -> l.contains("bridge initialised")));
        trafficReachesEveryVectorExactly(g, m);
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void underDom0InitTheGuestBringsTheBridgeUpAndMsisArriveExactlyPerVectorThroughTheBitmap()
            throws Exception {
        Machine m = rig.boot("zcu102");
        GuestKernel g = rig.awaitGuest();
        trafficReachesEveryVectorExactly(g, m);
    }

    private void trafficReachesEveryVectorExactly(GuestKernel g, Machine m) throws Exception {
        MachineInterrupts irq = rig.service(MachineInterrupts.class);
        List<MsiSource> sources = irq.msiSources();
        List<GuestMsiVector> vectors = g.msiVectors();
        assertEquals("two endpoints with 8 MSI-X vectors each: " + vectors + "\n" + String.join("\n", g.bootLog()), 16,
                vectors.size());
        for (GuestMsiVector v : vectors) {
            assertEquals(v.toString(), PCIE, v.controller());
            assertEquals("the doorbell is pcireg's base", 0xfd480000L, v.address());
            assertEquals(v.toString(), GuestMsiVector.Target.SPI, v.target());
        }
        Map<String, Long> before = PresetServices.counts(g);
        InterruptCounters ledger = irq.msiLedger();
        InterruptCounters.Snapshot l0 = ledger.snapshot();
        long n = 16L * PER_VECTOR;
        Traffic.Status s = irq.traffic().run(n, sources);
        InterruptCounters.Snapshot l1 = ledger.snapshot();
        assertEquals(s.toString(), n, s.raised());
        assertEquals("delivered: " + l1, n, l1.delivered() - l0.delivered());
        assertEquals("dropped: " + l1, 0, l1.dropped() - l0.dropped());
        Map<String, Long> after = PresetServices.counts(g);
        for (Map.Entry<String, Long> e : after.entrySet()) {
            assertEquals("guest count of " + e.getKey(), PER_VECTOR, e.getValue() - before.get(e.getKey()));
        }
        assertEquals("the bitmap is empty once handled", 0,
                m.system().read(0xfd0e0000L + 0x440, 4) | m.system().read(0xfd0e0000L + 0x444, 4));
    }

    private DtNode node(Machine m) {
        return m.platform().node(PCIE);
    }

    /** CPU accesses through the machine's system address space, as Xen makes them to the bridge's registers. */
    private static RegisterAccess access(AddressSpace system) {
        return new RegisterAccess() {
            @Override
            public long read(long address, int size) {
                return system.read(address, size);
            }

            @Override
            public void write(long address, int size, long value) {
                system.write(address, size, value);
            }
        };
    }
}
