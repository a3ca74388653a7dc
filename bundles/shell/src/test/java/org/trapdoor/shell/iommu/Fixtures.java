package org.trapdoor.shell.iommu;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.guest.GuestDmaMapping;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;

/** A platform with an SMMUv3 before one PCIe bridge and an unbound MMU-500 before another. */
final class Fixtures {
    static final String SMMU3 = "/smmu@9050000";
    static final String SMMU2 = "/iommu@9060000";
    static final String PCIE0 = "/pcie@10000000";
    static final String PCIE1 = "/pcie@20000000";

    static final IommuFault V3_TRANSLATION = new IommuFault(IommuFault.Kind.TRANSLATION, 0x10, 0x8, 0xdead_0000L,
            true, false, 0, -1);
    static final IommuFault V3_BAD_STE = new IommuFault(IommuFault.Kind.BAD_STE, 0x04, 0x10, 0, false, false, 0, -1);
    static final IommuFault V2_TF = new IommuFault(IommuFault.Kind.TRANSLATION, 0x2, 0x108, 0x1000, false, false, 0,
            0);
    static final IommuFault V2_USF = new IommuFault(IommuFault.Kind.UNIDENTIFIED_STREAM, 0x2, 0x1ff, 0x2000, true,
            false, 0, -1);

    static final GuestIommuDomain DOMAIN = new GuestIommuDomain("0000:00:01.0", SMMU3, "SMMUv3", 0x8, 1, -1,
            0x4100_0000L, 0xffff_ffffL, List.of(new GuestDmaMapping(0xffff_f000L, 0x4200_0000L, 0x1000, true, true,
                    "dma"), new GuestDmaMapping(0xffff_e000L, 0x0809_0000L, 0x1000, false, true, "msi")));

    private Fixtures() {
    }

    static DeviceTree tree() {
        DtNode root = new DtNode("", null);
        DtNode s3 = new DtNode("smmu@9050000", root);
        s3.put(DtProperty.ofStrings("compatible", "arm,smmu-v3"));
        s3.put(DtProperty.ofCells("phandle", 1));
        DtNode s2 = new DtNode("iommu@9060000", root);
        s2.put(DtProperty.ofStrings("compatible", "arm,mmu-500", "arm,smmu-v2"));
        s2.put(DtProperty.ofCells("phandle", 2));
        DtNode p0 = new DtNode("pcie@10000000", root);
        p0.put(DtProperty.ofStrings("compatible", "pci-host-ecam-generic"));
        p0.put(DtProperty.ofCells("iommu-map", 0x0, 1, 0x0, 0x100));
        DtNode p1 = new DtNode("pcie@20000000", root);
        p1.put(DtProperty.ofStrings("compatible", "pci-host-ecam-generic"));
        p1.put(DtProperty.ofCells("iommu-map", 0x0, 2, 0x100, 0x100));
        return new DeviceTree(root, "test.dts", List.of());
    }

    static List<NodeInfo> nodes() {
        return List.of(
                new NodeInfo(SMMU3, List.of("arm,smmu-v3"), List.of(), NodeState.BOUND, "smmuv3",
                        "SMMUv3 enabled, linear stream table (2^8), cmdq on, evtq on; IOTLB 1/256 entries, 7 hits, "
                                + "2 misses; 1 faults",
                        0, null),
                new NodeInfo(SMMU2, List.of("arm,mmu-500", "arm,smmu-v2"), List.of(), NodeState.UNBOUND, null, "", 0,
                        null, 3),
                new NodeInfo(PCIE0, List.of("pci-host-ecam-generic"), List.of(), NodeState.BOUND, "pci-ecam", "", 0,
                        null));
    }

    static Machine machine() {
        DeviceTree tree = tree();
        List<NodeInfo> nodes = nodes();
        return (Machine) Proxy.newProxyInstance(Machine.class.getClassLoader(), new Class<?>[] {Machine.class},
                (p, m, args) -> switch (m.getName()) {
                    case "platform" -> tree;
                    case "nodes" -> nodes;
                    case "node" -> nodes.stream().filter(n -> n.path().equals(args[0])).findFirst().orElse(null);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /**
     * The machine's IOMMU nodes: the SMMUv3 bound to a model that names itself {@code smmuv3},
     * the MMU-500 unbound, and {@code extra} (a vendor's, say) after them.
     */
    static MachineInterrupts interrupts(java.util.Map<String, Iommu> extra) {
        java.util.Map<String, Iommu> iommus = new java.util.LinkedHashMap<>();
        iommus.put(SMMU3, iommu("smmuv3"));
        iommus.put(SMMU2, null);
        iommus.putAll(extra);
        return (MachineInterrupts) Proxy.newProxyInstance(MachineInterrupts.class.getClassLoader(),
                new Class<?>[] {MachineInterrupts.class}, (p, m, args) -> switch (m.getName()) {
                    case "iommus" -> iommus;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** A bound IOMMU model that only says what it is. */
    static Iommu iommu(String model) {
        return (Iommu) Proxy.newProxyInstance(Iommu.class.getClassLoader(), new Class<?>[] {Iommu.class},
                (p, m, args) -> switch (m.getName()) {
                    case "model" -> model;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** A kernel whose raw DMA outside 0xffff_f000 faults and appends a record to its history. */
    static final class Kernel implements GuestKernel {
        final List<IommuFault> faults = new ArrayList<>(List.of(V3_BAD_STE, V2_TF, V3_TRANSLATION, V2_USF));
        final List<String> calls = new ArrayList<>();

        @Override
        public String name() {
            return "linux";
        }

        @Override
        public List<GuestPciHost> pciHosts() {
            return List.of();
        }

        @Override
        public List<GuestPciDevice> pciDevices() {
            return List.of();
        }

        @Override
        public List<String> bootLog() {
            return List.of();
        }

        @Override
        public List<GuestIommuDomain> iommuDomains() {
            return List.of(DOMAIN);
        }

        @Override
        public List<IommuFault> iommuFaults() {
            return List.copyOf(faults);
        }

        @Override
        public GuestDmaTest dmaRaw(String bdf, long busAddress, int length, boolean toMemory) {
            calls.add(String.format("%s 0x%x %d %s", bdf, busAddress, length, toMemory ? "write" : "read"));
            if (!bdf.equals("0000:00:01.0")) {
                throw new IllegalArgumentException("no PCI function " + bdf);
            }
            boolean ok = (busAddress & ~0xfffL) == 0xffff_f000L;
            if (!ok) {
                faults.add(new IommuFault(IommuFault.Kind.TRANSLATION, 0x10, 0x8, busAddress, toMemory, false, 0, -1));
            }
            return new GuestDmaTest(bdf, -1, busAddress, length, toMemory, true, ok, ok ? 1 : 3,
                    ok ? 0 : busAddress, "dma");
        }
    }
}
