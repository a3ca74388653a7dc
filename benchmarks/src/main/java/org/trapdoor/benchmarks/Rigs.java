package org.trapdoor.benchmarks;

import java.util.Arrays;
import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.pci.ecam.EcamLayout;
import org.trapdoor.api.pci.ecam.EcamWindow;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.ecam.EcamLayout;
import org.trapdoor.api.pci.ecam.EcamWindow;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamHostBridge;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;

/**
 * The two ways every benchmark builds the same models: composed (the {@code virt} preset read by
 * the device-tree service, bound by the composer, the device attached by the machine) and wired
 * by hand (the constructors called directly, no composer, no address space).
 *
 * <p>Addresses come from {@code presets/virt.dts}: the ECAM window at 0x40_1000_0000 (256 buses),
 * the 32-bit memory window mapping CPU 0x1000_0000 to PCI 0x1000_0000, RAM at 0x4000_0000.
 */
final class Rigs {
    /** ECAM window of {@code /pcie@10000000} ({@code reg}). */
    static final long ECAM_BASE = 0x40_1000_0000L;
    static final long ECAM_SIZE = 0x1000_0000L;
    /** The test device's slot, 00:01.0. */
    static final int DEVFN = 0x08;
    static final String DEVICE_SPEC = "testdev,addr=01.0";
    /** Offset of 00:01.0's config space inside the ECAM window: devfn at [19:12]. */
    static final long CFG_OFFSET = (long) DEVFN << 12;
    /** CPU address of 00:01.0's config space. */
    static final long CFG = ECAM_BASE + CFG_OFFSET;
    /** Where BAR0 is placed: the start of the 32-bit window, identity-mapped CPU to PCI. */
    static final long BAR0_ADDRESS = 0x1000_0000L;
    /** A RAM word (the preset's memory node starts at 0x4000_0000). */
    static final long RAM_WORD = 0x4000_1000L;

    static final int ID = TestDevice.DEVICE_ID << 16 | TestDevice.VENDOR_ID;
    static final int COMMAND_ON = PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER;
    static final long SCRATCH_VALUE = 0xcafe_f00dL;
    static final long RAM_VALUE = 0x1234_5678L;

    private Rigs() {
    }

    /**
     * The {@code virt} preset composed with the generic ECAM driver and a testdev at 00:01.0
     * whose BAR0 was assigned and memory decoding enabled through ECAM, as firmware does; its
     * SCRATCH register and one RAM word hold known values.
     */
    static ComposedMachine composed() {
        DeviceTree tree = Presets.load(new DeviceTreeService(), "virt");
        ComposedMachine m = new ComposedMachine(tree);
        m.addDriver(new EcamDriver());
        // The launcher's SMMUv3 driver, so the device's iommu-map names a bound (reset, bypass) SMMU.
        m.addDriver(new Smmuv3Driver());
        m.addFactory(new TestDeviceFactory());
        m.attach(DEVICE_SPEC);
        AddressSpace sys = m.system();
        expectOk(sys.write(CFG + PciConfig.BAR0, 4, BAR0_ADDRESS), "BAR0 assignment through ECAM");
        expectOk(sys.write(CFG + PciConfig.COMMAND, 2, COMMAND_ON), "command write through ECAM");
        expectOk(sys.write(BAR0_ADDRESS + TestDevice.REG_SCRATCH, 4, SCRATCH_VALUE), "SCRATCH write through BAR0");
        expectOk(sys.write(RAM_WORD, 4, RAM_VALUE), "RAM write");
        return m;
    }

    /**
     * A preset composed with the drivers of the MSI path (generic ECAM, GICv3, ITS; the SMMUv3
     * when {@code smmu}: a preset whose bridge names an IOMMU needs its driver bound) and the
     * testdev factory, before any device is attached: the one set-up the MSI rigs share.
     */
    static ComposedMachine msiMachine(String preset, boolean smmu) {
        ComposedMachine m = new ComposedMachine(Presets.load(new DeviceTreeService(), preset));
        m.addDriver(new EcamDriver());
        m.addDriver(new Gicv3Driver());
        m.addDriver(new ItsDriver());
        if (smmu) {
            m.addDriver(new Smmuv3Driver());
        }
        m.addFactory(new TestDeviceFactory());
        return m;
    }

    /** The testdev the composed machine plugged at 00:01.0. */
    static TestDevice device(ComposedMachine m) {
        PciFunction f = m.domain("pcie").hierarchy().function(0, DEVFN);
        if (!(f instanceof TestDevice)) {
            throw new IllegalStateException("00:01.0 of the composed machine is " + f + ", not a testdev");
        }
        return (TestDevice) f;
    }

    /** A hierarchy as a hand-wired machine would hold it: a plain array by requester ID. */
    static final class ArrayHierarchy implements PciHierarchy {
        private final PciFunction[] byRid = new PciFunction[1 << 16];
        private int[] rids = new int[0];

        ArrayHierarchy put(int bus, int devfn, PciFunction f) {
            int rid = bus << 8 | devfn;
            byRid[rid] = f;
            int[] next = new int[rids.length + 1];
            System.arraycopy(rids, 0, next, 0, rids.length);
            next[rids.length] = rid;
            Arrays.sort(next);
            rids = next;
            return this;
        }

        @Override
        public PciFunction function(int bus, int devfn) {
            return ((bus | devfn) & ~0xff) != 0 ? null : byRid[bus << 8 | devfn];
        }

        @Override
        public int[] requesterIds() {
            return rids;
        }
    }

    /** The same models wired by hand. */
    static final class HandWired {
        final TestDevice device;
        final EcamHostBridge bridge;

        HandWired() {
            // The factory's defaults, as "testdev,addr=01.0" gets them.
            device = new TestDevice(TestDeviceFactory.DEFAULT_MSI, TestDeviceFactory.DEFAULT_MSIX);
            bridge = new EcamHostBridge(new EcamWindow("/pcie@10000000", 0, new RegEntry(ECAM_BASE, ECAM_SIZE, null),
                    0, 255, List.of(), EcamLayout.ECAM), new ArrayHierarchy().put(0, DEVFN, device));
            bridge.configWrite(0, DEVFN, PciConfig.BAR0, 4, (int) BAR0_ADDRESS);
            bridge.configWrite(0, DEVFN, PciConfig.COMMAND, 2, COMMAND_ON);
            device.registers().write(TestDevice.REG_SCRATCH, 4, SCRATCH_VALUE);
        }
    }

    /** Fails set-up when an access did not complete: a benchmark must never time an error path. */
    static void expectOk(MemResult r, String what) {
        if (r != MemResult.OK) {
            throw new IllegalStateException(what + " failed: " + r);
        }
    }

    /**
     * Fails set-up unless the benchmark method returned {@code expected} and its transaction
     * completed: a benchmark must time the path it names, not an error short-cut.
     */
    static void expect(MemoryTransaction tx, long expected, String what, long returned) {
        if (!tx.ok() || returned != expected) {
            throw new IllegalStateException(String.format("%s: expected 0x%x, got 0x%x (%s)", what, expected,
                    returned, tx));
        }
    }
}
