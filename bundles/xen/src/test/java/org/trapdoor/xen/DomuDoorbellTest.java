package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.DoorbellPlumbing;
import org.trapdoor.api.hypervisor.DoorbellPolicy;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.core.Presets;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.xen.component.XenComponent;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.irq.DomuDoorbell;
import org.trapdoor.xen.irq.XenInterrupts;
import org.trapdoor.xen.passthrough.PciSubsystem;

/**
 * The {@code doorbell} kind under a DomU's MSIs, on the composed virt machine: {@code map} lets
 * the device's messages through its stage 2; {@code abort-sanitise} unmaps the doorbell, so each
 * message faults in the SMMU and Xen recovers it from the event record when the SMMU has the
 * FAULT_WDATA capability (forwarding what the guest's MSI state allows, refusing a forged one),
 * and counts it lost when it has not.
 */
class DomuDoorbellTest {
    XenRig rig;
    XenInterrupts irqs;
    PciSubsystem pci;
    XenDomain g;
    long bar0;

    static DomuMsiPolicy msi(String name) {
        return new DomuMsiPolicy() {
            public String name() {
                return name;
            }

            public String description() {
                return name;
            }

            public void apply(DomuMsiPlumbing d) {
                if (name.equals("vits")) {
                    d.virtualIts();
                } else if (name.equals("none")) {
                    d.noMsi();
                } else {
                    d.trapAndRemap();
                }
            }
        };
    }

    static DoorbellPolicy doorbell(String name) {
        return new DoorbellPolicy() {
            public String name() {
                return name;
            }

            public String description() {
                return name;
            }

            public void apply(DoorbellPlumbing d) {
                if (name.equals("map")) {
                    d.mapDoorbell();
                } else {
                    d.abortAndSanitise();
                }
            }
        };
    }

    void boot(String mechanism, boolean faultData) {
        DeviceTree tree = Presets.load(new DeviceTreeService(), "virt");
        if (faultData) {
            DtNode smmu = tree.nodes().stream().filter(n -> n.compatibles().contains("arm,smmu-v3")).findFirst()
                    .orElseThrow();
            smmu.put(DtProperty.empty("trapdoor,fault-write-data"));
        }
        rig = new XenRig(tree, Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0,msi=4");
        irqs = new XenInterrupts(rig.machine, rig.machine, rig.xen::heap);
        rig.xen.interrupts(VirtualInterrupts.of(irqs::attachDom0, irqs::attachDomU, irqs::destroy, irqs::ledger));
        pci = new PciSubsystem(rig.xen);
        rig.xen.pci(pci);
        XenComponent.wireMsi(rig.xen, irqs, pci);
        pci.policyRegistry().add(DomuMsiPolicy.KIND, msi(mechanism));
        pci.policyRegistry().add(DomuMsiPolicy.KIND, msi("none"));
        pci.policyRegistry().set(null, DomuMsiPolicy.KIND, mechanism);
        pci.policyRegistry().add(DoorbellPolicy.KIND, doorbell("map"));
        pci.policyRegistry().add(DoorbellPolicy.KIND, doorbell("abort-sanitise"));
        rig.xen.boot();
        g = (XenDomain) rig.xen.create(new DomainConfig("guest1", 64, 1,
                List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
        bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        assertEquals(4, g.kernel().msiVectors().size(), String.join("\n", g.kernel().bootLog()));
    }

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    void raise(int vector) {
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, vector);
    }

    /** Xen drains the SMMU's event queue on its tasklet: waits (bounded by the test timeout) for a count. */
    static void await(LongSupplier count, long expected) throws InterruptedException {
        while (count.getAsLong() < expected) {
            Thread.sleep(1);
        }
        assertEquals(expected, count.getAsLong());
    }

    long handled(int vector) {
        int intid = g.kernel().msiVectors().get(vector).intid();
        return g.kernel().interruptCounts().stream().filter(c -> c.intid() == intid).mapToLong(c -> c.count()).sum();
    }

    @Test
    void trapRemapUnderAbortSanitiseGetsEveryMessageRecoveredFromItsFaultAndForwarded() throws Exception {
        boot("trap-remap", true);
        assertTrue(pci.faultDataCaptured(), "the SMMU reports FAULT_WDATA");
        pci.policyRegistry().set("guest1", DoorbellPolicy.KIND, "abort-sanitise");
        DomuDoorbell db = irqs.doorbell(g);
        assertEquals("abort-sanitise", db.mode());
        int[] raises = {3, 0, 5, 1};
        int total = 0;
        for (int v = 0; v < raises.length; v++) {
            for (int i = 0; i < raises[v]; i++) {
                raise(v);
                total++;
            }
        }
        await(db::forwarded, total);
        for (int v = 0; v < raises.length; v++) {
            assertEquals(raises[v], handled(v), "vector " + v);
        }
        assertEquals(total, rig.machine.msiLedger().dropped(DropReason.IOMMU_FAULT), "each message faulted in the SMMU");
        assertEquals(0, db.refused());
        assertEquals(0, db.lost());
    }

    @Test
    void vitsUnderAbortSanitiseToo() throws Exception {
        boot("vits", true);
        pci.policyRegistry().set("guest1", DoorbellPolicy.KIND, "abort-sanitise");
        for (int i = 0; i < 6; i++) {
            raise(i & 1);
        }
        await(irqs.doorbell(g)::forwarded, 6);
        assertEquals(3, handled(0));
        assertEquals(3, handled(1));
    }

    @Test
    void aForgedMessageDmadToTheUnmappedDoorbellIsRefused() throws Exception {
        boot("trap-remap", true);
        pci.policyRegistry().set("guest1", DoorbellPolicy.KIND, "abort-sanitise");
        // The guest programs its device to DMA EventID 9 (no vector of its 4) to Xen's doorbell IPA.
        g.ipaSpace().write(bar0 + TestDevice.BUFFER_OFFSET, 4, 9);
        g.ipaSpace().write(bar0 + TestDevice.REG_DMA_SRC, 8, 0);
        g.ipaSpace().write(bar0 + TestDevice.REG_DMA_DST, 8, XenInterrupts.GUEST_DOORBELL_BASE + 0x40);
        g.ipaSpace().write(bar0 + TestDevice.REG_DMA_LEN, 4, 4);
        g.ipaSpace().write(bar0 + TestDevice.REG_DMA_CMD, 4, TestDevice.CMD_START);
        DomuDoorbell db = irqs.doorbell(g);
        await(db::refused, 1);
        assertEquals(0, db.forwarded());
        assertEquals(0, irqs.ledger().fired(), "nothing reached the host ITS");
    }

    @Test
    void withoutTheCapabilityEachMessageIsLostAndCountedAndMapBringsThemBack() throws Exception {
        boot("trap-remap", false);
        assertTrue(!pci.faultDataCaptured());
        pci.policyRegistry().set("guest1", DoorbellPolicy.KIND, "abort-sanitise");
        for (int i = 0; i < 4; i++) {
            raise(0);
        }
        DomuDoorbell db = irqs.doorbell(g);
        await(db::lost, 4);
        assertEquals(0, handled(0), "Xen could not tell which message it was");
        pci.policyRegistry().set("guest1", DoorbellPolicy.KIND, "map");
        raise(0);
        assertEquals(1, handled(0), "mapped again: the message reaches the host ITS");
    }

    /** The guest programs its device's DMA engine to write {@code value} at {@code ipa}. */
    void dmaWrite(long ipa, int value) {
        g.ipaSpace().write(bar0 + TestDevice.BUFFER_OFFSET, 4, value);
        g.ipaSpace().write(bar0 + TestDevice.REG_DMA_SRC, 8, 0);
        g.ipaSpace().write(bar0 + TestDevice.REG_DMA_DST, 8, ipa);
        g.ipaSpace().write(bar0 + TestDevice.REG_DMA_LEN, 4, 4);
        g.ipaSpace().write(bar0 + TestDevice.REG_DMA_CMD, 4, TestDevice.CMD_START);
    }

    @Test
    void switchedToNoneTheDoorbellIsUnmappedSoADmaToItFaultsAndBackToVitsMsisFlowAgain() throws Exception {
        boot("vits", false);
        long doorbell = XenInterrupts.GUEST_ITS_BASE + org.trapdoor.xen.irq.host.HostIts.GITS_TRANSLATER;
        raise(0);
        assertEquals(1, handled(0), "under vits with map the message reaches the guest");
        // Under vits (mapped) the same DMA reaches the host ITS: the rig can tell the two outcomes apart.
        long firedBefore = rig.machine.msiLedger().fired();
        dmaWrite(doorbell, 0);
        assertEquals(1, g.ipaSpace().read(bar0 + TestDevice.REG_DMA_DONE, 4), "mapped: the DMA completed");
        assertEquals(firedBefore + 1, rig.machine.msiLedger().fired(), "mapped: the write reached the host ITS");
        assertEquals(2, handled(0), "mapped: EventID 0 DMA'd to the doorbell is vector 0's message");

        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "none");
        assertEquals("none", irqs.msiPlumbing(g).active());
        assertEquals("map", irqs.doorbell(g).mode(), "the doorbell policy is still map");
        long faults = g.dmaFaults();
        long firedAtXen = irqs.ledger().fired();
        firedBefore = rig.machine.msiLedger().fired() - rig.machine.msiLedger().dropped(DropReason.IOMMU_FAULT);
        dmaWrite(doorbell, 0);
        assertEquals(1, g.ipaSpace().read(bar0 + TestDevice.REG_DMA_FAILED, 4), "unmapped: the DMA failed");
        await(g::dmaFaults, faults + 1);
        assertEquals(firedBefore,
                rig.machine.msiLedger().fired() - rig.machine.msiLedger().dropped(DropReason.IOMMU_FAULT),
                "nothing reached an MSI controller");
        assertEquals(firedAtXen, irqs.ledger().fired(), "Xen took no physical interrupt from it");

        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "vits");
        raise(0);
        raise(1);
        assertEquals(3, handled(0), "back under vits: the doorbell is mapped again and the vector flows");
        assertEquals(1, handled(1));
    }
}
