package org.trapdoor.xen.domain;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.xen.mm.DomainAddressSpace;
import org.trapdoor.xen.mm.FrameAllocator;
import org.trapdoor.xen.mm.P2m;
import org.trapdoor.xen.mm.P2mType;

/**
 * Builds a DomU's memory as {@code xc_dom_boot_mem_init} / {@code populate_physmap} do on Arm: the
 * RAM taken from Xen's heap in 2 MiB extents where it can (superpages, so the P2M maps blocks),
 * mapped from {@code GUEST_RAM0_BASE} up, then the tree libxl writes for it.
 */
public final class DomUBuilder {
    private static final int SUPERPAGE_FRAMES = 512;

    private DomUBuilder() {
    }

    /**
     * Creates the domain's stage 2 and takes {@code memoryBytes} of RAM for it. On failure every
     * frame taken so far is returned.
     *
     * @throws IllegalStateException when the heap cannot give the memory (message says how much is free)
     */
    public static XenDomain build(int domid, String name, long memoryBytes, int vcpus, int vmid, AddressSpace machine,
            PhysicalMemory ram, FrameAllocator heap, int paBits, int xenMajor, int xenMinor) {
        return build(domid, name, memoryBytes, vcpus, vmid, machine, ram, heap, paBits, xenMajor, xenMinor, false);
    }

    /** @param gicv2 the host's GIC is a GICv2 (the domain's tree gets a vGICv2 node) */
    public static XenDomain build(int domid, String name, long memoryBytes, int vcpus, int vmid, AddressSpace machine,
            PhysicalMemory ram, FrameAllocator heap, int paBits, int xenMajor, int xenMinor, boolean gicv2) {
        if ((memoryBytes & (FrameAllocator.PAGE_SIZE - 1)) != 0 || memoryBytes <= 0) {
            throw new IllegalArgumentException("memory must be whole pages: 0x" + Long.toHexString(memoryBytes));
        }
        if (memoryBytes > GuestLayout.RAM0_SIZE) {
            // Bank 1 (above 8 GiB) is not modelled: the emulated hosts have far less RAM.
            throw new IllegalArgumentException(String.format("memory %dM exceeds guest RAM bank 0 (%dM)",
                    memoryBytes >> 20, GuestLayout.RAM0_SIZE >> 20));
        }
        P2m p2m = new P2m(ram, heap, vmid, paBits);
        DomainAddressSpace space = new DomainAddressSpace("d" + domid, p2m, machine);
        XenDomain d = new XenDomain(domid, name, false, vcpus, p2m, space);
        try {
            populate(d, heap, memoryBytes);
        } catch (RuntimeException e) {
            release(d, heap);
            throw e;
        }
        List<long[]> banks = new ArrayList<>();
        banks.add(new long[] {GuestLayout.RAM0_BASE, memoryBytes});
        d.deviceTree(DomUDeviceTree.build(name, banks, vcpus, xenMajor, xenMinor, null, gicv2));
        return d;
    }

    private static void populate(XenDomain d, FrameAllocator heap, long memoryBytes) {
        // Runs of machine frames, merged while they are contiguous, so the P2M gets the largest blocks.
        List<long[]> runs = new ArrayList<>();
        long left = memoryBytes;
        try {
            while (left > 0) {
                int frames = (int) Math.min(left >>> FrameAllocator.PAGE_SHIFT, SUPERPAGE_FRAMES);
                long mfn = frames == SUPERPAGE_FRAMES ? heap.allocate(frames, SUPERPAGE_FRAMES) : -1;
                if (mfn < 0) {
                    // No free superpage: 4 KiB frames, as populate_physmap falls back to order 0.
                    frames = 1;
                    mfn = heap.allocatePage();
                }
                if (mfn < 0) {
                    throw new IllegalStateException(String.format(
                            "not enough memory: %dM wanted, Xen's heap has %dM free", memoryBytes >> 20,
                            (((long) heap.freeFrames() << FrameAllocator.PAGE_SHIFT) + memoryBytes - left) >> 20));
                }
                long size = (long) frames << FrameAllocator.PAGE_SHIFT;
                long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last != null && last[0] + last[1] == mfn) {
                    last[1] += size;
                } else {
                    runs.add(new long[] {mfn, size});
                }
                left -= size;
            }
        } catch (RuntimeException e) {
            for (long[] r : runs) {
                heap.free(r[0], (int) (r[1] >>> FrameAllocator.PAGE_SHIFT));
            }
            throw e;
        }
        long ipa = GuestLayout.RAM0_BASE;
        for (long[] r : runs) {
            d.addRam(new XenDomain.Extent(ipa, r[0], r[1]));
            d.p2m().map(ipa, r[0], r[1], P2mType.RAM_RW);
            ipa += r[1];
        }
    }

    /**
     * Returns the domain's RAM and its P2M tables to the heap (the domain is dead: no CPU or device
     * uses its stage 2 any more).
     */
    public static void release(XenDomain d, FrameAllocator heap) {
        for (XenDomain.Extent e : d.ram()) {
            heap.free(e.machine(), (int) (e.size() >>> FrameAllocator.PAGE_SHIFT));
        }
        d.clearRam();
        d.p2m().destroy();
    }
}
