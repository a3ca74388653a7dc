package org.trapdoor.xen.irq.host;

/**
 * Memory Xen takes from its own heap for the tables the physical GIC and ITS read: the LPI
 * property and pending tables, the ITS device and collection tables, ITTs, the command queue
 * ({@code alloc_xenheap_pages}). Returned memory is zeroed host RAM.
 */
public interface HostPages {
    /**
     * @return the physical address of {@code bytes} of zeroed RAM aligned to {@code align}
     * @throws IllegalStateException when Xen's heap has no room
     */
    long allocate(long bytes, long align);

    /** Gives back memory {@link #allocate} returned. */
    void free(long address, long bytes);
}
