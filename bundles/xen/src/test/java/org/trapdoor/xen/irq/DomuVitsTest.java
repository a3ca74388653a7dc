package org.trapdoor.xen.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.counter.EventCounterArray;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.xen.irq.host.HostIts;
import org.trapdoor.xen.irq.its.VirtualIts;
import org.trapdoor.xen.irq.vgic.Vgic;
import org.trapdoor.xen.irq.vgic.Vgicv3Redistributors;
import org.trapdoor.xen.irq.vgic.VirtualCpuInterface;

/**
 * The {@code vits} DomU MSI policy on the real GICv3/ITS models: a DomU's own virtual ITS whose
 * virtual DeviceIDs map to the host DeviceIDs of the functions assigned to it. The DomU's commands
 * become host mappings in Xen's tables; its device's MSIs reach its handler as its vLPIs; a
 * DeviceID it does not own gets a command error and maps nothing; under {@code none} the same
 * MSIs are dropped as DOMU_NO_MSI; a switch between the two under way loses nothing.
 */
class DomuVitsTest {
    static final int PHYS_DEV = 0x30;
    static final int VIRT_DEV = 0x0;
    static final int VLPI = 8192 + 32;
    static final int SLOT = 2;

    HostRig rig;
    Vgic domU;
    VirtualCpuInterface cpu;
    VirtualIts vits;
    GuestItsDriver guest;
    final EventCounterArray handled = new EventCounterArray(1 << 16);
    final Map<Integer, Integer> deviceIds = new java.util.concurrent.ConcurrentHashMap<>();
    long sent;

    @BeforeEach
    void setUp() {
        rig = new HostRig();
        domU = new Vgic("d1", 1, 32, 16, true, rig.identity(), rig.router);
        cpu = new VirtualCpuInterface(domU);
        rig.router.addDomain(SLOT, domU, true);
        vits = new VirtualIts(domU, rig.identity(), rig.hostIts, rig.lpis, SLOT, false);
        vits.deviceMap(v -> deviceIds.getOrDefault(v, -1));
        deviceIds.put(VIRT_DEV, PHYS_DEV);
        guest = new GuestItsDriver(rig.ram, vits, new Vgicv3Redistributors(domU), HostRig.RAM + 0x20_0000, 1);
        cpu.connect((vcpu, intid) -> {
            for (int id = cpu.acknowledge(vcpu); id != InterruptController.SPURIOUS; id = cpu.acknowledge(vcpu)) {
                handled.increment(id);
                cpu.endOfInterrupt(vcpu, id);
            }
        });
        guest.boot();
    }

    @AfterEach
    void ledgersBalance() {
        InterruptCounters m = rig.msiLedger;
        InterruptCounters x = rig.router.ledger();
        assertEquals(sent, m.fired());
        assertEquals(m.delivered(), x.fired());
        assertEquals(x.delivered(), handled.total(), "each injection the DomU handled, and nothing else");
    }

    void msi(int physicalDevice, int event) {
        sent++;
        rig.msi(physicalDevice, event);
    }

    @Test
    void aDomusMsisReachItsHandlerExactlyPerVector() {
        guest.mapDevice(VIRT_DEV, 2, 4, VLPI, 0);
        HostIts.Device host = rig.hostIts.device(PHYS_DEV);
        assertNotNull(host, "the virtual DeviceID's MAPD mapped the physical one");
        assertEquals(SLOT, host.domainSlot());
        assertEquals(32, host.events());
        int[] raises = {4, 0, 9, 1};
        for (int v = 0; v < raises.length; v++) {
            for (int i = 0; i < raises[v]; i++) {
                msi(PHYS_DEV, v);
            }
        }
        for (int v = 0; v < raises.length; v++) {
            assertEquals(raises[v], handled.get(VLPI + v), "vector " + v);
        }
        assertEquals(0, rig.handled.total(), "Dom0 saw none of them");
        assertEquals(0, vits.commandErrors());
    }

    @Test
    void aDeviceIdTheDomuDoesNotOwnGetsACommandErrorAndNothingMapped() {
        guest.mapd(0x7, 2, guest.itt(1)); // a virtual DeviceID with no device behind it
        guest.mapti(0x7, 0, VLPI, 0);
        assertEquals(2, vits.commandErrors(), "MAPD refused, so the MAPTI after it finds no device");
        assertEquals(1, vits.foreignMapds());
        assertEquals(0, rig.hostIts.mappedDevices(), "nothing mapped on the host");
        // Naming Dom0's device by its physical DeviceID does not reach it either.
        guest.mapd(PHYS_DEV, 2, guest.itt(2));
        assertEquals(2, vits.foreignMapds());
        assertNull(rig.hostIts.device(0x7));
    }

    @Test
    void underNoneTheSameMsisAreDroppedAndSwitchingBackLosesNothing() {
        guest.mapDevice(VIRT_DEV, 2, 1, VLPI, 0);
        msi(PHYS_DEV, 0);
        rig.router.msiAllowed(SLOT, false); // domu-msi = none
        msi(PHYS_DEV, 0);
        msi(PHYS_DEV, 0);
        assertEquals(2, rig.router.ledger().dropped(DropReason.DOMU_NO_MSI));
        rig.router.msiAllowed(SLOT, true); // back to vits
        msi(PHYS_DEV, 0);
        assertEquals(2, handled.get(VLPI));
    }

    @Test
    void teardownUnmapsWhatTheDomuMapped() {
        guest.mapDevice(VIRT_DEV, 2, 1, VLPI, 0);
        int blocks = rig.lpis.blocksInUse();
        domU.destroy();
        vits.destroy();
        assertNull(rig.hostIts.device(PHYS_DEV));
        assertEquals(blocks - 1, rig.lpis.blocksInUse());
    }

    @Test
    void switchingNoneAndVitsUnderTrafficLosesNothing() throws Exception {
        guest.mapDevice(VIRT_DEV, 2, 4, VLPI, 0);
        int total = 40_000;
        Thread traffic = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                rig.msi(PHYS_DEV, i & 3);
            }
        });
        traffic.start();
        int switches = 0;
        while (traffic.isAlive()) {
            rig.router.msiAllowed(SLOT, (switches++ & 1) == 0); // none <-> vits, as fast as it goes
            Thread.onSpinWait();
        }
        traffic.join();
        rig.router.msiAllowed(SLOT, true);
        sent += total;
        InterruptCounters x = rig.router.ledger();
        assertEquals(x.fired(), x.delivered() + x.dropped(DropReason.DOMU_NO_MSI) + x.dropped(DropReason.COALESCED),
                "every MSI Xen took was injected or dropped for the policy (or merged with a pending one)");
        assertTrue(switches > 1, "the policy switched while the device raised: " + switches);
        msi(PHYS_DEV, 0);
        assertTrue(handled.get(VLPI) > 0, "vits again: delivered");
    }
}
