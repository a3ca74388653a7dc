package org.trapdoor.xen.iommu;

/** Where Xen's IOMMU driver takes memory for its tables and queues: Xen's own heap of machine frames. */
@FunctionalInterface
public interface PageSource {
    /**
     * {@code count} zeroed, contiguous 4 KiB frames aligned on {@code alignPages} frames.
     *
     * @return the machine address of the first, or -1 when Xen is out of memory
     */
    long allocate(int count, int alignPages);
}
