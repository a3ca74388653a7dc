package org.trapdoor.xen.irq.vgic;

import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;

/**
 * One vCPU's interrupt state: its SGIs and PPIs, the interrupts queued for it, and its virtual
 * CPU interface, the list registers ({@code ICH_LR<n>_EL2}) through which the guest acknowledges
 * and ends interrupts without a trap.
 *
 * <p>Queued interrupts enter the list registers when the vCPU looks ({@link #acknowledge}: Xen's
 * {@code gic_restore_pending_irqs} on the way into the guest), the highest priority first; a
 * queued interrupt that is already in a register as active becomes pending and active there, and
 * is taken again after its EOI. An interrupt the guest disabled leaves its register
 * ({@code gic_remove_from_lr_pending}) and stays queued. The guest's acknowledge takes the
 * highest-priority pending register that beats its running priority; its EOI drops the priority,
 * frees the register and, for a register with the HW bit, deactivates the physical interrupt.
 *
 * <p>Only the vCPU itself touches its list registers and priority stack: the guest's sink is
 * called serialised per vCPU ({@link #signal}, the same contract as a physical GIC's
 * {@link InterruptSink}), and acknowledge/EOI are that vCPU's own accesses.
 */
final class Vcpu {
    private static final Logger LOG = LoggerFactory.getLogger(Vcpu.class);
    /** List registers per vCPU (ICH_VTR_EL2.ListRegs + 1 of a Cortex-A57/A72). */
    static final int LIST_REGISTERS = 4;
    static final int STATE_PENDING = 1;
    static final int STATE_ACTIVE = 2;
    static final int IDLE_PRIORITY = 0x100;

    final Vgic vgic;
    final int id;
    final PendingBits queued;
    final AtomicInteger privateEnabled = new AtomicInteger();
    final byte[] privatePriority = new byte[Vgic.PRIVATE];
    volatile int ppiEdge;
    volatile boolean lpisEnabled;
    volatile long pendbaser;

    // The list registers: INTID (-1 free), state, priority, physical INTID (-1 without the HW bit).
    private final int[] lrIntid = new int[LIST_REGISTERS];
    private final int[] lrState = new int[LIST_REGISTERS];
    private final int[] lrPriority = new int[LIST_REGISTERS];
    private final int[] lrHw = new int[LIST_REGISTERS];
    private final int[] stackIntid = new int[LIST_REGISTERS + 1];
    private final int[] stackPriority = new int[LIST_REGISTERS + 1];
    private int depth;
    private final AtomicInteger signalWip = new AtomicInteger();
    /** Handler calls sampled for the domain's CPU time: one in this many is timed (a power of 2). */
    static final int TIME_SAMPLE = 16;
    /** Handler calls so far; touched only inside {@link #signal}'s serialised loop. */
    private int calls;
    private final EventCounter acknowledged = new EventCounter();
    private final EventCounter ended = new EventCounter();
    private final EventCounter strayEoi = new EventCounter();

    Vcpu(Vgic vgic, int id, int ids) {
        this.vgic = vgic;
        this.id = id;
        this.queued = new PendingBits(ids);
        java.util.Arrays.fill(lrIntid, -1);
        java.util.Arrays.fill(lrHw, -1);
    }

    /**
     * ICV_IAR1_EL1: the list registers are filled from the queue, then the highest-priority
     * pending one that beats the running priority becomes active; {@link InterruptController#SPURIOUS}
     * if there is none.
     */
    int acknowledge() {
        fill();
        int running = depth == 0 ? IDLE_PRIORITY : stackPriority[depth - 1];
        int best = -1;
        for (int i = 0; i < LIST_REGISTERS; i++) {
            if (lrState[i] == STATE_PENDING && lrPriority[i] < running
                    && (best < 0 || lrPriority[i] < lrPriority[best]
                            || lrPriority[i] == lrPriority[best] && lrIntid[i] < lrIntid[best])) {
                best = i;
            }
        }
        if (best < 0 || depth == stackIntid.length) {
            return InterruptController.SPURIOUS;
        }
        int intid = lrIntid[best];
        // Taken: the queue no longer holds it; an injection from now on makes it pending again.
        queued.take(intid);
        lrState[best] = STATE_ACTIVE;
        stackIntid[depth] = intid;
        stackPriority[depth] = lrPriority[best];
        depth++;
        acknowledged.increment();
        return intid;
    }

    /**
     * ICV_EOIR1_EL1 (EOImode 0): priority drop and deactivation of {@code intid}; with the HW bit
     * the physical interrupt is deactivated too. An INTID that is not active in a list register
     * is ignored and counted (the architecture's UNPREDICTABLE case; Xen's maintenance path
     * finds nothing to do).
     */
    void endOfInterrupt(int intid) {
        int lr = -1;
        for (int i = 0; i < LIST_REGISTERS; i++) {
            if (lrIntid[i] == intid && (lrState[i] & STATE_ACTIVE) != 0) {
                lr = i;
                break;
            }
        }
        if (lr < 0) {
            strayEoi.increment();
            return;
        }
        for (int d = depth - 1; d >= 0; d--) {
            if (stackIntid[d] == intid) {
                System.arraycopy(stackIntid, d + 1, stackIntid, d, depth - d - 1);
                System.arraycopy(stackPriority, d + 1, stackPriority, d, depth - d - 1);
                depth--;
                break;
            }
        }
        int hw = lrHw[lr];
        lrState[lr] &= ~STATE_ACTIVE;
        if (lrState[lr] == 0) {
            lrIntid[lr] = -1;
            lrHw[lr] = -1;
        }
        ended.increment();
        if (hw >= 0) {
            vgic.hw().deactivate(vgic.hwCpu(intid), hw);
        }
        if (!queued.isEmpty()) {
            signal(-1);
        }
    }

    /**
     * {@code gic_restore_pending_irqs}: registers whose interrupt the guest disabled are freed;
     * an active register whose INTID was queued again becomes pending and active; free registers
     * take the highest-priority queued, enabled interrupts not in a register yet.
     */
    private void fill() {
        for (int i = 0; i < LIST_REGISTERS; i++) {
            int id = lrIntid[i];
            if (id < 0) {
                continue;
            }
            if (lrState[i] == STATE_PENDING && (!vgic.enabled(this, id) || !queued.get(id))) {
                lrIntid[i] = -1; // disabled, or cleared (ITS CLEAR/DISCARD, domain teardown)
                lrHw[i] = -1;
                lrState[i] = 0;
            } else if (lrState[i] == STATE_ACTIVE && queued.get(id)) {
                lrState[i] |= STATE_PENDING;
            }
        }
        // One pass over the queue: free registers take candidates as they come; once full, a
        // candidate of higher priority replaces the lowest-priority one filled in this pass.
        int filled = 0;
        for (int id = queued.next(0); id >= 0; id = queued.next(id + 1)) {
            if (!vgic.enabled(this, id) || inRegister(id)) {
                continue;
            }
            int p = vgic.priority(this, id);
            int slot = -1;
            for (int i = 0; i < LIST_REGISTERS; i++) {
                if (lrIntid[i] < 0) {
                    slot = i;
                    break;
                }
            }
            if (slot < 0) {
                int worst = -1;
                for (int i = 0; i < LIST_REGISTERS; i++) {
                    if ((filled & (1 << i)) != 0 && (worst < 0 || lrPriority[i] > lrPriority[worst])) {
                        worst = i;
                    }
                }
                if (worst < 0 || lrPriority[worst] <= p) {
                    continue;
                }
                slot = worst;
            }
            lrIntid[slot] = id;
            lrState[slot] = STATE_PENDING;
            lrPriority[slot] = p;
            lrHw[slot] = vgic.hwIntid(id);
            filled |= 1 << slot;
        }
    }

    private boolean inRegister(int id) {
        for (int i = 0; i < LIST_REGISTERS; i++) {
            if (lrIntid[i] == id) {
                return true;
            }
        }
        return false;
    }

    /** The INTID in list register {@code n} and its state, for tests and the shell; -1 when free. */
    int listRegister(int n) {
        return lrIntid[n];
    }

    int listRegisterState(int n) {
        return lrState[n];
    }

    long acknowledged() {
        return acknowledged.sum();
    }

    long ended() {
        return ended.sum();
    }

    long strayEois() {
        return strayEoi.sum();
    }

    /**
     * Raises the vCPU's virtual IRQ line: calls the guest's sink, serialised per vCPU; a signal
     * arriving while a call is in progress (the guest's own EOI, another injector) is handed to
     * the call in progress, which signals again before it returns.
     */
    void signal(int intid) {
        if (vgic.sink() == null || signalWip.getAndIncrement() != 0) {
            return; // nobody listening yet, or the call in progress takes this signal over
        }
        int missed = 1;
        int next = intid;
        for (;;) {
            InterruptSink s = vgic.sink();
            int hint = next >= 0 ? next : queued.next(0);
            if (s != null && hint >= 0) {
                // The guest's handler runs on this vCPU: its time is the domain's CPU time. One
                // call in TIME_SAMPLE is timed and counts for TIME_SAMPLE, as tick-based
                // accounting samples: two clock reads (~25-70 ns each here) on every MSI cost
                // more than the rest of Xen's injection. The first call is always timed.
                boolean timed = (calls++ & (TIME_SAMPLE - 1)) == 0;
                long start = timed ? System.nanoTime() : 0;
                try {
                    s.interruptPending(id, hint);
                } catch (RuntimeException e) {
                    // A failing guest CPU must not wedge the virtual line for later interrupts.
                    LOG.warn("{}: guest interrupt handler failed on vCPU {}", vgic.name(), id, e);
                }
                if (timed) {
                    vgic.runTime().add((System.nanoTime() - start) * TIME_SAMPLE);
                }
            }
            missed = signalWip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
            next = -1;
        }
    }
}
