package org.trapdoor.xen.domain;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.xen.mm.DomainAddressSpace;
import org.trapdoor.xen.mm.FrameAllocator;
import org.trapdoor.xen.mm.P2m;
import org.trapdoor.xen.mm.P2mType;

/**
 * Builds Dom0, the hardware domain, as {@code construct_dom0} does on Arm: direct-mapped (IPA =
 * PA) RAM from the host's memory, every device's MMIO mapped 1:1 ({@code handle_device},
 * {@code map_device_children} for host-bridge apertures) except what Xen keeps: the GIC and ITS
 * (trapped by Xen's vGIC/vITS at the same addresses) and the IOMMUs Xen drives (not mapped, not in
 * Dom0's tree), and the UART of Xen's console ({@code dt_device_used_by == DOMID_XEN}: neither
 * mapped nor in Dom0's tree).
 */
public final class Dom0Builder {
    /** Dom0's domid. */
    public static final int DOMID = 0;

    private Dom0Builder() {
    }

    /**
     * The split of the host's RAM: Dom0's direct-mapped banks (the first {@code dom0Mem} bytes, from
     * the lowest address) and the rest, which Xen keeps as its heap.
     *
     * @return {@code [dom0Base, dom0Size, heapBase, heapSize]} of the first (largest) usable bank
     * @throws IllegalArgumentException when the host has no RAM bank big enough
     */
    public static long[] splitRam(DeviceTree host, long dom0Mem, long minHeap) {
        RegEntry best = null;
        for (RegEntry r : host.memory()) {
            if (best == null || r.size() > best.size()) {
                best = r;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("the platform has no memory node");
        }
        long base = (best.address() + 0x1f_ffffL) & ~0x1f_ffffL;
        long size = (best.address() + best.size() - base) & ~0xfffL;
        if (dom0Mem <= 0 || (dom0Mem & 0x1f_ffffL) != 0) {
            throw new IllegalArgumentException("dom0_mem must be a positive multiple of 2 MiB, not 0x"
                    + Long.toHexString(dom0Mem));
        }
        if (dom0Mem + minHeap > size) {
            throw new IllegalArgumentException(String.format(
                    "dom0_mem=%dM does not fit: the largest RAM bank has %dM and Xen keeps at least %dM",
                    dom0Mem >> 20, size >> 20, minHeap >> 20));
        }
        return new long[] {base, dom0Mem, base + dom0Mem, size - dom0Mem};
    }

    /**
     * Creates Dom0's stage 2 and address space and maps RAM and devices into it. Traps for the GIC
     * and ITS are added later by the interrupt subsystem.
     */
    public static XenDomain build(DeviceTree host, AddressSpace machine, PhysicalMemory ram, FrameAllocator heap,
            long dom0Base, long dom0Size, int vcpus, int vmid, int paBits, boolean xenIommu, String xenVersion) {
        P2m p2m = new P2m(ram, heap, vmid, paBits);
        DomainAddressSpace space = new DomainAddressSpace("d0", p2m, machine);
        XenDomain d = new XenDomain(DOMID, "Domain-0", true, vcpus, p2m, space);
        p2m.map(dom0Base, dom0Base, dom0Size, P2mType.RAM_RW);
        d.addRam(new XenDomain.Extent(dom0Base, dom0Base, dom0Size));
        for (long[] r : deviceMappings(host, xenIommu)) {
            p2m.map(r[0], r[0], r[1], P2mType.MMIO_DIRECT_DEV);
        }
        for (long doorbell : itsDoorbells(host)) {
            // vgic_v3_its_init_domain -> iommu_map of GITS_TRANSLATER's page (f9f6b22abf): Dom0's
            // devices' MSIs pass the SMMU's stage 2, which is this P2M.
            p2m.map(doorbell, doorbell, FrameAllocator.PAGE_SIZE, P2mType.IOMMU_MAP_RW);
        }
        List<long[]> banks = new ArrayList<>();
        banks.add(new long[] {dom0Base, dom0Size});
        d.deviceTree(Dom0DeviceTree.build(host, banks, vcpus, xenIommu, xenVersion));
        return d;
    }

    /**
     * The MMIO ranges mapped 1:1 into Dom0, page-rounded: every enabled device node's {@code reg}
     * and every host bridge's {@code ranges} apertures, except memory, CPUs, the GIC and its ITS,
     * the UART of Xen's console and (when Xen drives them) the IOMMUs.
     */
    public static List<long[]> deviceMappings(DeviceTree host, boolean xenIommu) {
        List<long[]> out = new ArrayList<>();
        DtNode uart = HostTree.consoleUart(host);
        for (DtNode n : host.nodes()) {
            if (n.parent() == null || !n.isEnabled() || n.isMemory() || n == uart || skipped(n, xenIommu)) {
                continue;
            }
            for (RegEntry r : n.reg()) {
                if (r.size() > 0) {
                    out.add(pageRound(r.address(), r.size()));
                }
            }
            if (HostTree.isHostBridge(n)) {
                for (PciRange pr : n.pciRanges()) {
                    if (pr.size() > 0) {
                        out.add(pageRound(pr.cpuAddress(), pr.size()));
                    }
                }
            }
        }
        return out;
    }

    /** {@code ITS_DOORBELL_OFFSET}: GITS_TRANSLATER in the ITS's second 64 KiB frame. */
    public static final long ITS_DOORBELL_OFFSET = 0x10040;

    /** The page of each host ITS's GITS_TRANSLATER. */
    public static List<Long> itsDoorbells(DeviceTree host) {
        List<Long> out = new ArrayList<>();
        for (DtNode n : host.nodes()) {
            if (n.isEnabled() && n.compatibles().contains("arm,gic-v3-its") && !n.reg().isEmpty()) {
                out.add((n.reg().get(0).address() + ITS_DOORBELL_OFFSET) & ~0xfffL);
            }
        }
        return out;
    }

    private static boolean skipped(DtNode n, boolean xenIommu) {
        for (DtNode a = n; a != null; a = a.parent()) {
            if ("cpus".equals(a.name()) && a.parent() != null && a.parent().parent() == null) {
                return true;
            }
        }
        return HostTree.isGic(n) || (xenIommu && HostTree.isXenIommu(n));
    }

    private static long[] pageRound(long address, long size) {
        long start = address & ~0xfffL;
        long end = (address + size + 0xfff) & ~0xfffL;
        return new long[] {start, end - start};
    }
}
