package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.hw.xgene.msi.XgeneMsiDriver;
import org.trapdoor.hw.xgene.pcie.XgeneClockDriver;
import org.trapdoor.hw.xgene.pcie.XgenePcieDriver;
import org.trapdoor.hw.xlnx.axi.AxiPcieDriver;

/**
 * The guest's pci-xgene.c, pci-xgene-msi.c and pcie-xilinx.c against the models on the mustang and
 * axi presets: enumeration through X-Gene's RTDID window and behind the AXI root port, and every
 * MSI vector arriving exactly once at its own handler.
 */
class VendorBridgesTest {
    static final String EP = "0000:01:00.0";
    MachineRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    MachineRig mustang(String... devices) {
        rig = new MachineRig("mustang", devices);
        rig.machine.addDriver(new XgeneClockDriver());
        rig.machine.addDriver(new XgenePcieDriver());
        rig.machine.addDriver(new XgeneMsiDriver());
        return rig;
    }

    MachineRig axi(String... devices) {
        rig = new MachineRig("axi", devices);
        rig.machine.addDriver(new AxiPcieDriver());
        return rig;
    }

    static List<GuestMsiVector> of(LinuxKernel k, String bdf) {
        return k.msiVectors().stream().filter(v -> v.bdf().equals(bdf)).toList();
    }

    @Test
    void mustangEnumeratesTheXgeneRootPortAndTheEndpointBehindItThroughRtdid() {
        LinuxKernel k = mustang("testdev,addr=00.0,msi=4,msix=8").boot();
        String log = String.join("\n", k.bootLog());
        assertTrue(log.contains("clock /soc/clocks/pcie0clk@1f2bc000 enabled"), log);
        assertTrue(log.contains("(rc) x8 gen-3 link up"), log);
        GuestPciDevice root = k.pciDevices().stream().filter(d -> d.bdf().equals("0000:00:00.0")).findFirst().orElseThrow();
        assertEquals(0x10e8, root.vendorId(), "BRIDGE_CFG_0 as xgene_pcie_setup wrote it");
        assertEquals(0xe004, root.deviceId());
        assertTrue(root.bars().isEmpty(), "BAR0/1 hidden by xgene_pcie_map_bus");
        GuestPciDevice ep = rig.device(EP);
        assertEquals(0x1234, ep.vendorId());
        assertTrue(ep.bar(0).cpuAddress() >= 0xe1_8000_0000L, "BAR0 in the bridge's memory window: " + ep);
        assertEquals(1, k.pciDevices().stream().filter(d -> d.vendorId() == 0x1234).count(), "one endpoint");
        assertTrue(log.contains("may corrupt adjacent RW1C bits"), "narrow writes are read-modify-write, warned once");
    }

    @Test
    void everyXgeneMsiVectorIsHandledExactlyOnceThroughItsGroup() {
        LinuxKernel k = mustang("testdev,addr=00.0,msi=4,msix=8").boot();
        List<GuestMsiVector> v = of(k, EP);
        assertEquals(8, v.size(), String.join("\n", k.bootLog()));
        for (int i = 0; i < v.size(); i++) {
            GuestMsiVector m = v.get(i);
            // Eight CPUs: vector i takes hwirqs 8i..8i+7, canonical 8i: group (8i % 16), index 8i / 256.
            int h = 8 * i;
            assertEquals(0x7900_0000L + ((long) (8 * (h % 16) + h / 256) << 16), m.address(), m.toString());
            assertEquals((h / 16) % 16, m.data(), m.toString());
        }
        InterruptCounters ledger = rig.machine.msiLedger();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 8; i++) {
                rig.raise(EP, i);
            }
        }
        for (GuestMsiVector m : of(k, EP)) {
            assertEquals(3, m.count(), m.toString());
        }
        assertEquals(24, ledger.delivered());
        assertEquals(0, ledger.dropped());
        assertEquals(0, rig.machine.system().read(0x7900_0000L + 0x80_0000L, 4), "MSIINT0 drained");
    }

    @Test
    void xgeneOffersNoMultiMessageMsiSoAnMsiOnlyFunctionGetsOneVector() {
        LinuxKernel k = mustang("testdev,addr=00.0,msi=4,msix=0").boot();
        assertEquals(1, of(k, EP).size(), String.join("\n", k.bootLog()));
        rig.raise(EP, 0);
        assertEquals(1, of(k, EP).get(0).count());
    }

    @Test
    void everyAxiVectorGoesThroughTheFifoAndIsHandledExactlyOnce() {
        LinuxKernel k = axi("testdev,addr=00.0,msi=4,msix=8").boot();
        List<GuestMsiVector> v = of(k, EP);
        assertEquals(8, v.size(), String.join("\n", k.bootLog()));
        long page = v.get(0).address();
        assertTrue(page >= 0x4000_0000L && page < 0x8000_0000L && (page & 0xfff) == 0, "a RAM page: 0x" + Long.toHexString(page));
        for (int i = 0; i < 8; i++) {
            assertEquals(i, v.get(i).data(), "data = hwirq");
        }
        InterruptCounters ledger = rig.machine.msiLedger();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 8; i++) {
                rig.raise(EP, i);
            }
        }
        for (GuestMsiVector m : of(k, EP)) {
            assertEquals(5, m.count(), m.toString());
        }
        assertEquals(40, ledger.delivered());
        assertEquals(0, ledger.dropped());
    }

    @Test
    void axiMultiMessageMsiGetsAnAlignedBlock() {
        LinuxKernel k = axi("testdev,addr=00.0,msi=4,msix=0").boot();
        List<GuestMsiVector> v = of(k, EP);
        assertEquals(4, v.size(), String.join("\n", k.bootLog()));
        for (int i = 0; i < 4; i++) {
            rig.raise(EP, i);
            assertEquals(1, of(k, EP).get(i).count(), "vector " + i);
        }
    }
}
