package org.trapdoor.guest.mem;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;

/**
 * The kernel's page allocator, reduced to what interrupt set-up needs: naturally aligned blocks
 * of guest RAM (the {@code device_type = "memory"} nodes), handed out downwards from the top of
 * the largest bank so they stay clear of whatever a loader put at its base. Blocks are never
 * given back; a re-probe allocates fresh ones, as a kernel leaking its old tables would (the
 * architecture forbids reusing LPI tables that a redistributor may still cache anyway).
 *
 * <p>Every byte the kernel puts into a table is written with a CPU store through the address
 * space, never behind the models' backs; {@link #zero} clears a block the same way.
 */
public final class PageAllocator {
    public static final long PAGE = 4096;

    private final AddressSpace memory;
    private final long bottom;
    private long top;
    private final MemoryTransaction tx = new MemoryTransaction();

    /** @throws IllegalStateException when the tree describes no RAM */
    public PageAllocator(AddressSpace memory, DeviceTree tree) {
        this.memory = memory;
        List<RegEntry> banks = new ArrayList<>();
        for (DtNode n : tree.nodes()) {
            if (n.isMemory() && n.isEnabled()) {
                banks.addAll(n.reg());
            }
        }
        RegEntry best = null;
        for (RegEntry r : banks) {
            if (best == null || Long.compareUnsigned(r.size(), best.size()) > 0) {
                best = r;
            }
        }
        if (best == null || best.size() < PAGE) {
            throw new IllegalStateException("no RAM in the device tree's memory nodes");
        }
        this.bottom = best.address();
        this.top = best.address() + best.size();
    }

    /**
     * A block of {@code size} bytes aligned to {@code align} (a power of two, at least a page),
     * zeroed.
     *
     * @throws IllegalStateException when RAM is exhausted
     */
    public synchronized long allocate(long size, long align) {
        if (size <= 0 || Long.bitCount(align) != 1) {
            throw new IllegalArgumentException("bad allocation: size 0x" + Long.toHexString(size) + " align 0x"
                    + Long.toHexString(align));
        }
        long a = Math.max(align, PAGE);
        long rounded = (size + PAGE - 1) & -PAGE;
        long addr = (top - rounded) & -a;
        if (addr < bottom || addr > top) {
            throw new IllegalStateException(String.format("guest RAM exhausted: 0x%x bytes aligned 0x%x", size, a));
        }
        top = addr;
        zero(addr, rounded);
        return addr;
    }

    /** Bytes still free below the allocations. */
    public synchronized long free() {
        return top - bottom;
    }

    /** Clears {@code length} bytes (a multiple of 8) with 8-byte CPU stores. */
    public synchronized void zero(long address, long length) {
        for (long off = 0; off < length; off += 8) {
            store(address + off, 8, 0);
        }
    }

    /** One CPU store; a failure (the block is not RAM after all) is an error, not silence. */
    public synchronized void store(long address, int size, long value) {
        memory.access(tx.write(address, size, value));
        if (tx.result != MemResult.OK) {
            throw new IllegalStateException(String.format("store to 0x%x failed: %s", address, tx.result));
        }
    }
}
