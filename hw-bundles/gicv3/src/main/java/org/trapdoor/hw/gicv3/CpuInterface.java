package org.trapdoor.hw.gicv3;

import static org.trapdoor.api.irq.InterruptController.FIRST_LPI;
import static org.trapdoor.api.irq.InterruptController.SPURIOUS;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.irq.InterruptSink;

/**
 * The GICv3 CPU interface of one CPU, as QEMU's {@code arm_gicv3_cpuif.c}: what ICC_IAR1_EL1
 * (acknowledge) and ICC_EOIR1_EL1 (end of interrupt) do, the CPU's running-priority stack, and the
 * serialised signalling of the CPU's {@link InterruptSink}.
 *
 * <p>No lock: the CPU interface is the CPU's own (system registers), so acknowledge and EOI for
 * one CPU never run at once, and its stack is plain state; {@link #drain} serialises the sink's
 * calls. EOImode is 0 (EOI drops priority and deactivates) and the priority mask is fully open.
 */
final class CpuInterface {
    private static final Logger LOG = LoggerFactory.getLogger(CpuInterface.class);

    private final int cpu;
    private final Gicv3 gic;
    private final Distributor dist;
    private final Redistributor rd;
    private final LpiPending lpis;
    private final int lines;
    // The stack of active priorities (running priority is its top).
    private final int[] stackId = new int[256];
    private final int[] stackPrio = new int[256];
    private int depth;
    // Signals in progress or owed to this CPU's sink (see drain).
    private final AtomicInteger signalWip = new AtomicInteger();

    CpuInterface(Gicv3 gic, int cpu, Distributor dist, Redistributor rd) {
        this.gic = gic;
        this.cpu = cpu;
        this.dist = dist;
        this.rd = rd;
        this.lpis = rd.lpis;
        this.lines = dist.lines;
    }

    /** ICC_IAR1_EL1: takes the highest-priority pending interrupt, or returns {@link #SPURIOUS}. */
    int acknowledge() {
        for (int tries = 0; tries < 4; tries++) {
            if (idle()) {
                return SPURIOUS; // nothing pending at this instant: no scan
            }
            final int best = select();
            if (best == SPURIOUS) {
                return SPURIOUS;
            }
            int prio = priorityOf(best);
            if (best < 32) {
                rd.latch.getAndAccumulate(1 << best, (x, y) -> x & ~y);
                rd.active.getAndAccumulate(1 << best, (x, y) -> x | y);
            } else if (best < lines) {
                dist.activate(best);
            } else if (lpis.clear(best)) {
                lpis.taken(best);
            } else {
                continue; // an ITS CLEAR/DISCARD took it meanwhile: look again
            }
            push(best, prio);
            return best;
        }
        return SPURIOUS;
    }

    /** ICC_EOIR1_EL1 for {@code intid} (already checked to be a valid INTID). */
    void endOfInterrupt(int intid) {
        if (!pop(intid)) {
            return; // not active on this CPU: ignored, as ICC_EOIR1 does for a wrong INTID
        }
        if (intid < 32) {
            rd.active.getAndAccumulate(1 << intid, (x, y) -> x & ~y);
        } else if (intid < lines) {
            dist.deactivate(intid);
        }
        if (intid < 32 || intid >= FIRST_LPI) {
            // Only this CPU's running priority and private state changed: only it may take more,
            // and only if something it can take now is pending (a later set-pending signals by itself).
            if (!idle() && select() != SPURIOUS) {
                gic.signal(cpu, -1);
            }
        } else {
            gic.signalAll(); // an SPI's active bit is shared: any CPU it targets may take it now
        }
    }

    /**
     * True when nothing at all can be pending for this CPU: no enabled latched SGI/PPI, no SPI
     * word asserted, no ready LPI. A superset check of {@link #select}: an interrupt made pending
     * after it is signalled by its own setter.
     */
    private boolean idle() {
        return (rd.latch.get() & rd.enabled.get()) == 0 && dist.noSpiAsserted() && lpis.isEmpty();
    }

    private int priorityOf(int id) {
        return id < 32 ? rd.priority[id] & 0xff : id < lines ? dist.priority(id) : rd.lpiPriority(id);
    }

    /**
     * The highest-priority pending, enabled interrupt for this CPU that beats its running
     * priority (ties go to the lowest INTID), or {@link #SPURIOUS}.
     */
    private int select() {
        int bestPrio = runningPriority();
        int best = rd.bestPrivate(bestPrio, dist);
        if (best != SPURIOUS) {
            bestPrio = rd.priority[best] & 0xff;
        }
        int spi = dist.bestSpi(cpu, bestPrio);
        if (spi != SPURIOUS) {
            best = spi;
            bestPrio = dist.priority(spi);
        }
        if (dist.groupEnabled(1)) {
            int lpi = rd.bestLpi(bestPrio);
            if (lpi >= 0) {
                best = lpi;
            }
        }
        return best;
    }

    /** The INTID {@link #acknowledge} would return, without acknowledging. */
    int peek() {
        if (idle()) {
            return SPURIOUS;
        }
        return select(); // read-only but for dropping stale summary marks, which is safe anywhere
    }

    private int runningPriority() {
        return depth == 0 ? Gicv3.IDLE_PRIORITY : stackPrio[depth - 1];
    }

    private void push(int intid, int prio) {
        if (depth < stackId.length) {
            stackId[depth] = intid;
            stackPrio[depth] = prio;
            depth++;
        }
    }

    private boolean pop(int intid) {
        for (int i = depth - 1; i >= 0; i--) {
            if (stackId[i] == intid) {
                System.arraycopy(stackId, i + 1, stackId, i, depth - i - 1);
                System.arraycopy(stackPrio, i + 1, stackPrio, i, depth - i - 1);
                depth--;
                return true;
            }
        }
        return false;
    }

    int[] activeIds() {
        return Arrays.copyOf(stackId, depth);
    }

    int[] activePriorities() {
        return Arrays.copyOf(stackPrio, depth);
    }

    void restore(int[] ids, int[] priorities) {
        depth = Math.min(ids.length, stackId.length);
        System.arraycopy(ids, 0, stackId, 0, depth);
        System.arraycopy(priorities, 0, stackPrio, 0, depth);
    }

    /**
     * Tells this CPU's sink, serialising calls: the first signaller calls the sink; one arriving
     * meanwhile (the sink's own EOI, another thread) only counts itself, and the caller in
     * progress signals again, with whatever is then the highest pending interrupt, before it
     * returns. So the sink is never nested and never runs twice at once for a CPU, and it may
     * acknowledge and EOI synchronously. {@code first} is the INTID to report first, or -1 to
     * look it up.
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
                id = peek();
            }
            // A level-sensitive SPI whose input stays high is pending again at its own EOI: on
            // hardware the CPU takes it forever; here the CPU runs in the raiser's thread, so
            // after LEVEL_RESIGNALS rounds it is left pending for the next outside signal.
            repeats = id == last && dist.levelHeld(id) ? repeats + 1 : 0;
            last = id;
            InterruptSink s = gic.sink;
            if (s != null && id != SPURIOUS && repeats < Gicv3.LEVEL_RESIGNALS) {
                try {
                    s.interruptPending(cpu, id);
                } catch (RuntimeException e) {
                    // A failing CPU model must not wedge the line for later interrupts.
                    LOG.warn("{}: interrupt sink failed for CPU {} INTID {}", gic.name(), cpu, id, e);
                }
            }
            missed = signalWip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
            id = -1;
        }
    }
}
