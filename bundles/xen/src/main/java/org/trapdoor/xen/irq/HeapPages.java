package org.trapdoor.xen.irq;

import org.trapdoor.xen.irq.host.HostPages;
import org.trapdoor.xen.mm.FrameAllocator;

/** Xen's heap as the GIC and ITS drivers take memory from it: whole frames, zeroed, aligned. */
final class HeapPages implements HostPages {
    private final FrameAllocator heap;

    HeapPages(FrameAllocator heap) {
        this.heap = heap;
    }

    @Override
    public long allocate(long bytes, long align) {
        int frames = (int) ((bytes + FrameAllocator.PAGE_SIZE - 1) >>> FrameAllocator.PAGE_SHIFT);
        int alignFrames = (int) Math.max(1, align >>> FrameAllocator.PAGE_SHIFT);
        long a = heap.allocate(frames, Integer.highestOneBit(alignFrames) == alignFrames ? alignFrames
                : Integer.highestOneBit(alignFrames) << 1);
        if (a < 0) {
            throw new IllegalStateException(String.format("Xen heap: no %d KiB aligned to %d KiB for GIC tables",
                    bytes >> 10, align >> 10));
        }
        return a;
    }

    @Override
    public void free(long address, long bytes) {
        heap.free(address, (int) ((bytes + FrameAllocator.PAGE_SIZE - 1) >>> FrameAllocator.PAGE_SHIFT));
    }
}
