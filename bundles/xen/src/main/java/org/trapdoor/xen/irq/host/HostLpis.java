package org.trapdoor.xen.irq.host;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.trapdoor.api.irq.InterruptController;

/**
 * Xen's host LPIs ({@code gic-v3-lpi.c}): allocated in blocks of {@link #BLOCK} to a domain, each
 * with one 64-bit route word that the interrupt path reads with one volatile load
 * ({@code union host_lpi}): the virtual LPI (or none yet), the vCPU it targets and the domain's
 * slot. A block is marked as the domain's at allocation, before any virtual LPI is assigned, as
 * {@code gicv3_allocate_host_lpi_block} does.
 */
public final class HostLpis {
    /** Xen's LPI_BLOCK. */
    public static final int BLOCK = 32;
    /** No virtual LPI assigned (Xen's INVALID_LPI). */
    public static final int NO_VIRQ = 0;
    private static final VarHandle ROUTE = MethodHandles.arrayElementVarHandle(long[].class);

    private final int limit;
    private final long[] routes;
    private final boolean[] used;

    /** @param limit one above the highest host LPI INTID (2^IDbits of the host GIC) */
    public HostLpis(int limit) {
        if (limit <= InterruptController.FIRST_LPI) {
            throw new IllegalArgumentException("no LPIs below INTID " + limit);
        }
        this.limit = limit;
        routes = new long[limit - InterruptController.FIRST_LPI];
        used = new boolean[routes.length / BLOCK];
    }

    public int limit() {
        return limit;
    }

    /** Encodes a route: domain slot (1..65535; 0 = none), vCPU, virtual LPI. */
    public static long route(int domainSlot, int vcpu, int vlpi) {
        return (long) (domainSlot & 0xffff) << 48 | (long) (vcpu & 0xffff) << 32 | (vlpi & 0xffff_ffffL);
    }

    public static int slot(long route) {
        return (int) (route >>> 48);
    }

    public static int vcpu(long route) {
        return (int) (route >>> 32) & 0xffff;
    }

    public static int vlpi(long route) {
        return (int) route;
    }

    /**
     * {@code gicv3_allocate_host_lpi_block}: the first free block, marked as {@code domainSlot}'s
     * with no virtual LPI yet.
     *
     * @return the block's first host LPI, or -1 when every block is taken
     */
    public synchronized int allocateBlock(int domainSlot) {
        for (int b = 0; b < used.length; b++) {
            if (!used[b]) {
                used[b] = true;
                for (int i = 0; i < BLOCK; i++) {
                    ROUTE.setVolatile(routes, b * BLOCK + i, route(domainSlot, 0, NO_VIRQ));
                }
                return InterruptController.FIRST_LPI + b * BLOCK;
            }
        }
        return -1;
    }

    /** {@code gicv3_free_host_lpi_block}. */
    public synchronized void freeBlock(int firstLpi) {
        int b = (firstLpi - InterruptController.FIRST_LPI) / BLOCK;
        if (b >= 0 && b < used.length && used[b]) {
            used[b] = false;
            for (int i = 0; i < BLOCK; i++) {
                ROUTE.setVolatile(routes, b * BLOCK + i, 0L);
            }
        }
    }

    /** The route of host LPI {@code lpi}: 0 when it belongs to nobody. One volatile load. */
    public long routeOf(int lpi) {
        int i = lpi - InterruptController.FIRST_LPI;
        return i >= 0 && i < routes.length ? (long) ROUTE.getVolatile(routes, i) : 0L;
    }

    /** Sets host LPI {@code lpi}'s route (a guest MAPTI, MOVI, DISCARD). */
    public void setRoute(int lpi, long route) {
        int i = lpi - InterruptController.FIRST_LPI;
        if (i >= 0 && i < routes.length) {
            ROUTE.setVolatile(routes, i, route);
        }
    }

    /** Blocks in use. */
    public synchronized int blocksInUse() {
        int n = 0;
        for (boolean u : used) {
            n += u ? 1 : 0;
        }
        return n;
    }
}
