package org.trapdoor.xen.irq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.xen.irq.host.HostLpis;
import org.trapdoor.xen.irq.vgic.HwIrqs;
import org.trapdoor.xen.irq.vgic.Vgic;
import org.trapdoor.xen.trace.XenTrace;

/**
 * Xen's IRQ exception handler on the physical GIC ({@code gic_interrupt} / {@code do_IRQ} /
 * {@code gicv3_do_LPI}): attached as the {@link InterruptSink} of the machine's root interrupt
 * controller, it acknowledges each physical interrupt on the CPU interface and decides its fate:
 * <ul>
 * <li>an LPI is ended at once (LPIs have no active state to keep) and its route word looked up:
 *     Xen's own LPI of a domain gets that domain's virtual LPI injected on the route's vCPU; an
 *     LPI nobody mapped, or one whose event has no virtual LPI yet, is
 *     {@link DropReason#NO_GUEST_MAPPING}; a domain being destroyed {@link DropReason#DOMAIN_DYING};
 *     an LPI of a device now assigned to an unprivileged domain {@link DropReason#DOMU_NO_MSI};</li>
 * <li>an SPI routed to a domain is injected as its virtual SPI with the HW bit: the physical one
 *     stays active until the guest ends the virtual one; an unrouted SPI is ended and
 *     {@link DropReason#NO_GUEST_MAPPING};</li>
 * <li>SGIs and PPIs are Xen's own (its timer, IPIs): ended and counted apart.</li>
 * </ul>
 * Every physical SPI or LPI taken is recorded once in the hypervisor's ledger ({@link #ledger()}):
 * delivered when the virtual interrupt was injected (pending, enabled, the vCPU signalled), else
 * dropped with the reason (including the vGIC's own: coalesced with a pending one, disabled and
 * held pending). So the machine's MSI ledger's deliveries (physical LPIs made pending) equal this
 * ledger's fired count once the traffic is quiet, and its deliveries equal the guest's handled
 * interrupts.
 *
 * <p>Hot path: one volatile load of the route, one of the domain slot, no lock, no allocation.
 */
public final class IrqRouter implements InterruptSink, HwIrqs {
    /** Interrupts taken per signal before returning (a level that never drops cannot hang Xen). */
    static final int MAX_PER_SIGNAL = 64;
    /** Domain slots (domids + 1); slot 0 means nobody. */
    static final int SLOTS = 1 << 12;
    private static final VarHandle SPI = MethodHandles.arrayElementVarHandle(long[].class);
    /**
     * Set in a route's virtual INTID when the SPI carries a DomU's remapped MSIs (trap-remap on a
     * GICv2m host): dropped as {@link DropReason#DOMU_NO_MSI} while the domain's policy gives none.
     */
    static final int MSI_ROUTE = 1 << 30;

    /** One domain as the router sees it. */
    static final class Slot {
        final Vgic vgic;
        /** MSIs are delivered (Dom0; a DomU under a policy that gives it MSIs). */
        volatile boolean msi;

        Slot(Vgic vgic, boolean msi) {
            this.vgic = vgic;
            this.msi = msi;
        }
    }

    private final Supplier<InterruptController> resolver;
    private volatile InterruptController gic;
    private final HostLpis lpis;
    private final AtomicReferenceArray<Slot> slots = new AtomicReferenceArray<>(SLOTS);
    /** Physical SPI to (slot << 32 | virtual INTID); 0 unrouted. */
    private final long[] spiRoutes = new long[1020];
    private volatile SpiControl spiControl = SpiControl.NONE;
    /** Per physical SPI: Xen's demultiplexer when several controllers' vectors share it (trap-remap), else null. */
    private final AtomicReferenceArray<SpiDemux> demux = new AtomicReferenceArray<>(1020);

    /** Xen's handler of an SPI shared by a host MSI controller's vectors (trap-remap's backend). */
    public interface SpiDemux {
        /**
         * Takes the vectors that fired for Xen (each delivered with {@link #deliverMsi});
         * true when the SPI's own driver (its route's domain) still has work.
         */
        boolean take(int spi);
    }
    private final InterruptCounters ledger = new InterruptCounters();
    private final EventCounter own = new EventCounter();
    private final EventCounter spurious = new EventCounter();
    /** {@code xen_irq}; set before the router is attached. */
    private TracePoint trace = TracePoint.NEVER;

    /** Enables and disables physical SPIs (Xen's GIC driver), for the HW bit's enable mirroring. */
    public interface SpiControl {
        SpiControl NONE = (spi, on) -> { };

        void enable(int spi, boolean on);
    }

    /**
     * @param resolver the model bound to the root interrupt-controller node now (asked once per
     *                 model swap, when the one in hand has nothing to acknowledge)
     * @param lpis     Xen's host LPIs, or null on a GIC without LPIs
     */
    public IrqRouter(Supplier<InterruptController> resolver, HostLpis lpis) {
        this.resolver = resolver;
        this.gic = resolver.get();
        this.lpis = lpis;
    }

    void trace(TracePoint point) {
        trace = point;
    }

    void spiControl(SpiControl c) {
        spiControl = c;
    }

    /** Every physical SPI and LPI Xen took for a guest, with its fate. */
    public InterruptCounters ledger() {
        return ledger;
    }

    /** SGIs and PPIs Xen took for itself. */
    public long ownInterrupts() {
        return own.sum();
    }

    /** Signals on which nothing was there to acknowledge. */
    public long spurious() {
        return spurious.sum();
    }

    // ---------------------------------------------------------------- routes (slow path)

    /** @param msi whether the domain's MSIs are delivered (false: {@link DropReason#DOMU_NO_MSI}) */
    void addDomain(int slot, Vgic vgic, boolean msi) {
        if (!slots.compareAndSet(slot, null, new Slot(vgic, msi))) {
            throw new IllegalStateException("interrupt slot " + slot + " is in use");
        }
    }

    /** Switches a DomU's MSI delivery (its {@code domu-msi} policy): one volatile store. */
    void msiAllowed(int slot, boolean on) {
        Slot s = slots.get(slot);
        if (s != null) {
            s.msi = on;
        }
    }

    void removeDomain(int slot) {
        slots.set(slot, null);
        for (int spi = 32; spi < spiRoutes.length; spi++) {
            long r = (long) SPI.getVolatile(spiRoutes, spi);
            if (r != 0 && (int) (r >>> 32) == slot) {
                SPI.setVolatile(spiRoutes, spi, 0L);
            }
        }
    }

    /** {@code route_irq_to_guest}: physical SPI {@code spi} is virtual {@code vintid} of the domain in {@code slot}. */
    void routeSpi(int spi, int slot, int vintid) {
        if (spi < 32 || spi >= spiRoutes.length) {
            throw new IllegalArgumentException("IRQ " + spi + " is not an SPI");
        }
        if (!SPI.compareAndSet(spiRoutes, spi, 0L, (long) slot << 32 | vintid)) {
            throw new IllegalArgumentException("IRQ " + spi + " is already routed to a domain");
        }
    }

    /** Xen demultiplexes physical SPI {@code spi} before its route (null: no longer). */
    void demux(int spi, SpiDemux d) {
        demux.set(spi, d);
    }

    /**
     * A vector Xen found for a DomU (a shared SPI's demultiplexer): the guest's SPI injected
     * without the HW bit (Xen acknowledged the vector at its controller), one ledger line.
     */
    void deliverMsi(int slot, int vintid) {
        Slot s = slots.get(slot);
        DropReason r;
        if (s == null || s.vgic.dying()) {
            r = DropReason.DOMAIN_DYING;
        } else if (!s.msi) {
            r = DropReason.DOMU_NO_MSI;
        } else {
            r = s.vgic.inject(0, vintid);
        }
        ledger.record(r);
    }

    /** Undoes {@link #routeSpi} if {@code spi} goes to {@code slot} now; true when it did. */
    boolean unrouteSpi(int spi, int slot) {
        if (spi < 32 || spi >= spiRoutes.length) {
            return false;
        }
        long r = (long) SPI.getVolatile(spiRoutes, spi);
        return r != 0 && (int) (r >>> 32) == slot && SPI.compareAndSet(spiRoutes, spi, r, 0L);
    }

    /** The domain slot physical SPI {@code spi} goes to, or 0. */
    int spiOwner(int spi) {
        return spi >= 32 && spi < spiRoutes.length ? (int) ((long) SPI.getVolatile(spiRoutes, spi) >>> 32) : 0;
    }

    // ---------------------------------------------------------------- the IRQ path

    @Override
    public void interruptPending(int cpu, int intid) {
        InterruptController c = gic;
        if (c == null) {
            c = resolver.get();
            if (c == null) {
                return;
            }
            gic = c;
        }
        for (int n = 0; n < MAX_PER_SIGNAL; n++) {
            int id = c.acknowledge(cpu);
            if (id == InterruptController.SPURIOUS && n == 0) {
                InterruptController now = resolver.get();
                if (now != null && now != c) {
                    gic = now; // the GIC model was swapped: take interrupts from the new one
                    c = now;
                    id = c.acknowledge(cpu);
                }
            }
            if (id == InterruptController.SPURIOUS) {
                if (n == 0) {
                    spurious.increment();
                }
                return;
            }
            if (id >= InterruptController.FIRST_LPI) {
                c.endOfInterrupt(cpu, id); // gicv3_do_LPI: EOI the LPI already
                DropReason r = lpi(id);
                ledger.record(r);
                if (trace.on()) {
                    trace.emit(cpu, id, XenTrace.outcome(r));
                }
            } else if (id >= 32) {
                SpiDemux d = id < 1020 ? demux.get(id) : null;
                if (d != null && !d.take(id)) {
                    c.endOfInterrupt(cpu, id); // each vector it found is in the ledger already
                    continue;
                }
                DropReason r = spi(cpu, id);
                if (r != null && r != DropReason.INTERRUPT_DISABLED) {
                    c.endOfInterrupt(cpu, id); // nobody will end it through a list register
                }
                ledger.record(r);
                if (trace.on()) {
                    trace.emit(cpu, id, XenTrace.outcome(r));
                }
            } else {
                c.endOfInterrupt(cpu, id);
                own.increment();
            }
        }
    }

    private DropReason lpi(int id) {
        long route = lpis == null ? 0 : lpis.routeOf(id);
        int slot = HostLpis.slot(route);
        if (slot == 0) {
            return DropReason.NO_GUEST_MAPPING;
        }
        Slot s = slots.get(slot);
        if (s == null || s.vgic.dying()) {
            return DropReason.DOMAIN_DYING;
        }
        if (!s.msi) {
            return DropReason.DOMU_NO_MSI;
        }
        int vlpi = HostLpis.vlpi(route);
        if (vlpi == HostLpis.NO_VIRQ) {
            return DropReason.NO_GUEST_MAPPING;
        }
        return s.vgic.inject(HostLpis.vcpu(route), vlpi);
    }

    private DropReason spi(int cpu, int id) {
        long route = id < spiRoutes.length ? (long) SPI.getVolatile(spiRoutes, id) : 0;
        if (route == 0) {
            return DropReason.NO_GUEST_MAPPING;
        }
        Slot s = slots.get((int) (route >>> 32));
        if (s == null || s.vgic.dying()) {
            return DropReason.DOMAIN_DYING;
        }
        int vintid = (int) route;
        if ((vintid & MSI_ROUTE) != 0) {
            if (!s.msi) {
                return DropReason.DOMU_NO_MSI;
            }
            vintid &= ~MSI_ROUTE;
        }
        return s.vgic.inject(0, vintid);
    }

    // ---------------------------------------------------------------- the HW bit

    @Override
    public void deactivate(int pcpu, int pintid) {
        InterruptController c = gic;
        if (c != null) {
            c.endOfInterrupt(pcpu, pintid);
        }
    }

    @Override
    public void enable(int pintid, boolean enabled) {
        spiControl.enable(pintid, enabled);
    }
}
