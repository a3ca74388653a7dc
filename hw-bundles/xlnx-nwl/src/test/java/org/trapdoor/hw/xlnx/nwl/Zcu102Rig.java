package org.trapdoor.hw.xlnx.nwl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.host.RegisterAccess;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv2.Gicv2;
import org.trapdoor.hw.zynqmp.psgtr.PsGtrDriver;
import org.trapdoor.testkit.FakeBindContext;

/**
 * The PCIe part of the ZCU102 as its Linux 6.1 tree has it (addresses, interrupts, reg-names, the
 * board's lane plan), with a real GIC-400 and PS-GTR model and one endpoint at slot 1.
 */
final class Zcu102Rig {
    static final String DTS = """
            /dts-v1/;
            / {
                #address-cells = <2>; #size-cells = <2>;
                axi {
                    compatible = "simple-bus"; #address-cells = <2>; #size-cells = <2>; ranges;
                    gic: interrupt-controller@f9010000 {
                        compatible = "arm,gic-400"; #address-cells = <0>; #interrupt-cells = <3>;
                        reg = <0 0xf9010000 0 0x10000>, <0 0xf9020000 0 0x20000>; interrupt-controller;
                    };
                    pcie: pcie@fd0e0000 {
                        compatible = "xlnx,nwl-pcie-2.11"; status = "okay";
                        #address-cells = <3>; #size-cells = <2>; #interrupt-cells = <1>;
                        msi-controller; device_type = "pci"; interrupt-parent = <&gic>;
                        interrupts = <0 118 4>, <0 117 4>, <0 116 4>, <0 115 4>, <0 114 4>;
                        interrupt-names = "misc", "dummy", "intx", "msi1", "msi0";
                        msi-parent = <&pcie>;
                        reg = <0 0xfd0e0000 0 0x1000>, <0 0xfd480000 0 0x1000>, <0x80 0 0 0x1000000>;
                        reg-names = "breg", "pcireg", "cfg";
                        ranges = <0x02000000 0 0xe0000000 0 0xe0000000 0 0x10000000>;
                        bus-range = <0 0xff>;
                    };
                    psgtr: phy@fd400000 {
                        compatible = "xlnx,zynqmp-psgtr-v1.1"; status = "okay";
                        reg = <0 0xfd400000 0 0x40000>, <0 0xfd3d0000 0 0x1000>; reg-names = "serdes", "siou";
                        #phy-cells = <4>;
                    };
                    ahci@fd0c0000 { compatible = "ceva,ahci-1v84"; reg = <0 0xfd0c0000 0 0x2000>; phys = <&psgtr 3 1 1 1>; };
                    usb@ff9d0000 { compatible = "xlnx,zynqmp-dwc3"; reg = <0 0xff9d0000 0 0x100>; phys = <&psgtr 2 4 0 2>; };
                    display@fd4a0000 { compatible = "xlnx,zynqmp-dpsub-1.7"; reg = <0 0xfd4a0000 0 0x1000>; phys = <&psgtr 1 6 0 3>; };
                };
            };
            """;
    static final long BREG = 0xfd0e0000L, PCIREG = 0xfd480000L, CFG = 0x80_0000_0000L, SERDES = 0xfd400000L;
    static final int MSI0 = 114 + 32, MSI1 = 115 + 32;

    final DeviceTree tree;
    final DtNode pcieNode;
    final DtNode phyNode;
    final Gicv2 gic = new Gicv2("gic", 256, 1);
    final Endpoint endpoint = new Endpoint();
    final Functions functions = new Functions();
    final DeviceModel phy;
    final InterruptCounters ledger = new InterruptCounters();
    NwlPcie nwl;

    Zcu102Rig() throws BindException {
        this(DTS);
    }

    Zcu102Rig(String dts) throws BindException {
        tree = new DeviceTreeService().parseDts(dts, "zcu102-pcie.dts");
        pcieNode = tree.node("/axi/pcie@fd0e0000");
        phyNode = tree.node("/axi/phy@fd400000");
        phy = new PsGtrDriver().create(new FakeBindContext(phyNode));
        functions.put(0x08, endpoint);
        nwl = create();
        // The GIC as Linux leaves it: distributor and CPU interface on, msi0/msi1 enabled to CPU 0.
        gicWrite(0x000, 4, 1);
        gic.enableCpuInterface(0, 0xff);
        for (int id : new int[] {MSI0, MSI1}) {
            gicWrite(0x100 + (id / 32) * 4, 4, 1L << (id % 32));
            gicWrite(0x800 + id, 1, 1);
        }
    }

    NwlPcie create() throws BindException {
        FakeBindContext fake = new FakeBindContext(pcieNode).bind(tree.node("/axi/interrupt-controller@f9010000"), gic)
                .bind(phyNode, phy);
        return (NwlPcie) new NwlDriver().create(new BindContext() {
            @Override
            public DtNode node() {
                return pcieNode;
            }

            @Override
            public AddressSpace system() {
                return null;
            }

            @Override
            public PhysicalMemory memory() {
                return null;
            }

            @Override
            public <T extends DeviceModel> ModelRef<T> ref(DtNode target, Class<T> kind) {
                return fake.ref(target, kind);
            }

            @Override
            public PciHierarchy pci() {
                return functions;
            }

            @Override
            public InterruptCounters msiLedger() {
                return ledger;
            }
        });
    }

    private void gicWrite(int offset, int size, long value) {
        MemoryTransaction tx = new MemoryTransaction().write(0xf9010000L + offset, size, value);
        tx.offset = offset;
        gic.region(0).access(tx);
    }

    /** CPU accesses to the bridge's and the PS-GTR's registers, as a bring-up's owner makes them. */
    final RegisterAccess cpu = new RegisterAccess() {
        @Override
        public long read(long address, int size) {
            MemoryTransaction tx = route(new MemoryTransaction().read(address, size));
            return tx.result == MemResult.OK ? tx.data : MemoryTransaction.allOnes(size);
        }

        @Override
        public void write(long address, int size, long value) {
            route(new MemoryTransaction().write(address, size, value));
        }
    };

    MemoryTransaction route(MemoryTransaction tx) {
        long a = tx.address;
        MmioHandler h;
        if (a >= BREG && a < BREG + 0x1000) {
            h = nwl.region(0);
            tx.offset = a - BREG;
        } else if (a >= PCIREG && a < PCIREG + 0x1000) {
            h = nwl.region(1);
            tx.offset = a - PCIREG;
        } else if (a >= CFG && a < CFG + 0x100_0000) {
            h = nwl.region(2);
            tx.offset = a - CFG;
        } else if (a >= SERDES && a < SERDES + 0x40000) {
            h = phy.region(0);
            tx.offset = a - SERDES;
        } else {
            tx.fail(MemResult.DECODE_ERROR);
            return tx;
        }
        h.access(tx);
        return tx;
    }

    /** A device's MSI write, as the upstream port hands it to the bridge. */
    MemoryTransaction msi(long address, long data) {
        MemoryTransaction tx = new MemoryTransaction().write(address, 4, data);
        tx.msi = true;
        nwl.interceptUpstream(tx);
        return tx;
    }

    /** An endpoint 10ee:7024 whose config space is otherwise zero. */
    static final class Endpoint implements PciFunction {
        final List<String> writes = new ArrayList<>();

        @Override
        public int configRead(int offset, int size) {
            return offset < 4 ? (0x702410ee >>> (8 * offset)) & (int) MemoryTransaction.allOnes(size) : 0;
        }

        @Override
        public void configWrite(int offset, int size, int value) {
            writes.add(Integer.toHexString(offset));
        }

        @Override
        public boolean decodeMemory(MemoryTransaction tx) {
            return false;
        }
    }

    /** The machine's functions behind the bridge: attached at the root bus, by devfn. */
    static final class Functions implements PciHierarchy {
        final PciFunction[] byDevfn = new PciFunction[256];
        int[] rids = new int[0];

        void put(int devfn, PciFunction f) {
            byDevfn[devfn] = f;
            rids = Arrays.copyOf(rids, rids.length + 1);
            rids[rids.length - 1] = devfn;
        }

        @Override
        public PciFunction function(int bus, int devfn) {
            return bus == 0 && devfn >= 0 && devfn < 256 ? byDevfn[devfn] : null;
        }

        @Override
        public int[] requesterIds() {
            return rids;
        }
    }

}
