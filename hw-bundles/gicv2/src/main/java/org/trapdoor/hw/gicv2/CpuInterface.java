package org.trapdoor.hw.gicv2;

import static org.trapdoor.api.irq.InterruptController.SPURIOUS;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.register.Register;

/**
 * The GICv2 CPU interface of one CPU, the CPU-interface half of QEMU's {@code arm_gic.c}: enable,
 * priority mask, the stack of active priorities, what GICC_IAR (acknowledge), GICC_EOIR (end of
 * interrupt), GICC_RPR and GICC_HPPIR do, and the serialised signalling of the CPU's
 * {@link InterruptSink}. CPU 0's interface is also the GICC frame ({@link #bindFrame}).
 *
 * <p>Acknowledge, EOI and the running-priority stack lock this object only; {@link #drain}
 * serialises the sink's calls without a lock. EOImode is 0 (EOIR drops priority and deactivates).
 */
final class CpuInterface {
    private static final Logger LOG = LoggerFactory.getLogger(CpuInterface.class);

    private final Gicv2 gic;
    private final Distributor dist;
    private final Gicv2Trace trace;
    private final int c;
    volatile boolean enabled;
    volatile int pmr;
    // The stack of active interrupts and their priorities (running priority is its top).
    final int[] ids = new int[256];
    final int[] prio = new int[256];
    int depth;
    // Signals in progress or owed to this CPU's sink (see drain).
    private final AtomicInteger signalWip = new AtomicInteger();
    // GICC_CTLR and GICC_PMR when this CPU's interface is the GICC frame, else null.
    private Register frameCtlr;
    private Register framePmr;

    CpuInterface(Gicv2 gic, Distributor dist, Gicv2Trace trace, int c) {
        this.gic = gic;
        this.dist = dist;
        this.trace = trace;
        this.c = c;
    }

    /** Makes this CPU's interface the GICC frame's: the registers of {@code table} act on it. */
    void bindFrame(Gicv2Registers table) {
        frameCtlr = table.cctlr.onWrite((p, v) -> {
            enabled = table.cctlrEnable.isSetIn(v);
            gic.signalAll();
        });
        framePmr = table.pmr.onWrite((p, v) -> {
            pmr = (int) table.pmrPriority.extract(v);
            gic.signalAll();
        });
        table.iar.onRead(this::acknowledge);
        table.eoir.onWrite((p, v) -> endOfInterrupt((int) table.eoirIntId.extract(v)));
        table.rpr.onRead(() -> {
            synchronized (this) {
                return depth == 0 ? 0xff : prio[depth - 1];
            }
        });
        table.hppir.onRead(this::highestPending);
    }

    /** GICC_CTLR.Enable and GICC_PMR of this CPU set from outside (the CPU's own boot code). */
    void enable(int mask) {
        synchronized (this) {
            enabled = true;
            pmr = mask & 0xff;
        }
        syncFrame();
    }

    /** Keeps the GICC frame's GICC_CTLR and GICC_PMR in step with this CPU's state. */
    private void syncFrame() {
        if (frameCtlr != null) {
            frameCtlr.set(enabled ? 1 : 0);
            framePmr.set(pmr);
        }
    }

    private int running() {
        return depth == 0 ? Gicv2.IDLE_PRIORITY : prio[depth - 1];
    }

    /** Highest-priority interrupt this CPU could take now, or SPURIOUS. Caller holds this lock. */
    private int select() {
        if (!dist.forwarding() || !enabled) {
            return SPURIOUS;
        }
        int limit = Math.min(running(), pmr);
        int best = SPURIOUS;
        // Word by word: only interrupts that are latched or high, enabled and not active are looked at.
        for (int w = 0; w < dist.words; w++) {
            int s = dist.slot(w, c);
            int bits = (dist.latch.get(s) | dist.level.get(s)) & dist.enabled.get(s) & ~dist.active.get(s);
            while (bits != 0) {
                int id = w * 32 + Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (id < dist.lines) {
                    int p = dist.priority(id, c);
                    if (p < limit && dist.candidate(id, c)) {
                        best = id;
                        limit = p;
                    }
                }
            }
        }
        return best;
    }

    /** GICC_HPPIR. */
    synchronized int highestPending() {
        return select();
    }

    /** GICC_IAR: takes the highest-priority pending interrupt, or returns SPURIOUS. */
    synchronized int acknowledge() {
        int id = select();
        if (id == SPURIOUS) {
            return SPURIOUS;
        }
        dist.activate(id, c);
        push(id, dist.priority(id, c));
        if (trace.ack.on()) {
            trace.ack.emit(c, id);
        }
        return id;
    }

    /** GICC_EOIR: drops the priority of {@code intid} and deactivates it; other INTIDs are ignored. */
    void endOfInterrupt(int intid) {
        if (intid < 0 || intid >= dist.lines) {
            return;
        }
        synchronized (this) {
            if (!pop(intid)) {
                return;
            }
            if (trace.eoi.on()) {
                trace.eoi.emit(c, intid);
            }
            dist.deactivate(intid, c);
        }
        gic.signalAll();
    }

    private void push(int id, int p) {
        if (depth < ids.length) {
            ids[depth] = id;
            prio[depth] = p;
            depth++;
        }
    }

    private boolean pop(int id) {
        for (int i = depth - 1; i >= 0; i--) {
            if (ids[i] == id) {
                System.arraycopy(ids, i + 1, ids, i, depth - i - 1);
                System.arraycopy(prio, i + 1, prio, i, depth - i - 1);
                depth--;
                return true;
            }
        }
        return false;
    }

    /**
     * Tells this CPU's sink, serialising calls: the first signaller calls the sink; one arriving
     * meanwhile (the sink's own EOI, another thread) only counts itself, and the caller in
     * progress signals again, with the then highest pending interrupt, before it returns.
     * {@code first} is the INTID to report first, or -1 to look it up.
     */
    void drain(int first) {
        if (signalWip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        int id = first;
        int last = SPURIOUS;
        int repeats = 0;
        for (;;) {
            if (id < 0) {
                id = highestPending();
            }
            // A level-sensitive interrupt whose input stays high is pending again at its own EOI:
            // on hardware the CPU takes it forever; here the CPU runs in the raiser's thread, so
            // after LEVEL_RESIGNALS rounds it is left pending for the next outside signal.
            repeats = id == last && dist.levelHeld(id, c) ? repeats + 1 : 0;
            last = id;
            InterruptSink k = gic.sink();
            if (k != null && id != SPURIOUS && repeats < Gicv2.LEVEL_RESIGNALS) {
                try {
                    k.interruptPending(c, id);
                } catch (RuntimeException e) {
                    // A failing CPU model must not wedge the line for later interrupts.
                    LOG.warn("{}: interrupt sink failed for CPU {} INTID {}", gic.name(), c, id, e);
                }
            }
            missed = signalWip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
            id = -1;
        }
    }

    synchronized Gicv2State.Cpu save() {
        return new Gicv2State.Cpu(enabled, pmr, Arrays.copyOf(ids, depth), Arrays.copyOf(prio, depth));
    }

    void restore(Gicv2State.Cpu s) {
        synchronized (this) {
            enabled = s.enabled();
            pmr = s.pmr();
            depth = Math.min(s.activeIds().length, ids.length);
            System.arraycopy(s.activeIds(), 0, ids, 0, depth);
            System.arraycopy(s.activePriorities(), 0, prio, 0, depth);
        }
        syncFrame();
    }
}
