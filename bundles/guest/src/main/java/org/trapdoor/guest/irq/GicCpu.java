package org.trapdoor.guest.irq;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;

/**
 * The guest's CPUs taking interrupts: the IRQ exception handler of {@code gic_handle_irq}. When a
 * CPU is signalled it acknowledges (ICC_IAR1 / GICC_IAR: the highest-priority pending interrupt
 * becomes active), counts the INTID, and ends it (EOI), until the controller has nothing more
 * for that CPU.
 *
 * <p>The handler allocates nothing and takes no lock: counts live in arrays, per INTID and per
 * vector (looked up by INTID in a table the kernel installs when it sets MSIs up).
 * The controller to acknowledge on is a volatile reference the kernel sets when it probes. When the
 * machine swaps the controller model, it connects the new model to the same handler; the first
 * signal that finds nothing to acknowledge on the old model asks the resolver for the model bound
 * now (a slow path, taken once per swap) and continues on that one.
 */
public final class GicCpu implements InterruptSink {
    /** INTIDs counted: SGIs, PPIs, SPIs and LPIs up to the 16 ID bits the kernel uses. */
    public static final int INTIDS = 1 << 16;
    /** Interrupts taken per signal before the handler returns (a level that never drops cannot hang it). */
    static final int MAX_PER_SIGNAL = 64;

    private final AtomicLongArray handled = new AtomicLongArray(INTIDS);
    private final LongAdder spurious = new LongAdder();
    private final LongAdder unknown = new LongAdder();
    private volatile InterruptController controller;
    private volatile Supplier<InterruptController> resolver = () -> null;
    /** INTID to vector slot + 1 (0: no vector), and the per-vector counts; replaced together on (re)probe. */
    private volatile Vectors vectors = new Vectors(new int[0], new AtomicLongArray(0));

    private record Vectors(int[] slotOf, AtomicLongArray counts) {
    }

    /**
     * Installs the INTID to vector table of a fresh MSI set-up: {@code slotOf[intid]} is the
     * vector's slot + 1, 0 for an INTID that is no vector. Per-vector counts start at zero.
     */
    public void vectors(int[] slotOf, int slots) {
        vectors = new Vectors(slotOf.clone(), new AtomicLongArray(slots));
    }

    /** Interrupts handled on vector {@code slot} of the current set-up. */
    public long vectorCount(int slot) {
        AtomicLongArray c = vectors.counts();
        return slot >= 0 && slot < c.length() ? c.get(slot) : 0;
    }

    /** The controller whose CPU interface the CPUs use; {@code null} while there is none. */
    public void controller(InterruptController c) {
        controller = c;
    }

    public InterruptController controller() {
        return controller;
    }

    /** Where to find the controller model bound now, after a swap. */
    public void resolver(Supplier<InterruptController> r) {
        resolver = r;
    }

    @Override
    public void interruptPending(int cpu, int intid) {
        InterruptController c = controller;
        if (c == null) {
            c = resolver.get();
            if (c == null) {
                return;
            }
            controller = c;
        }
        for (int n = 0; n < MAX_PER_SIGNAL; n++) {
            int id = c.acknowledge(cpu);
            if (id == InterruptController.SPURIOUS && n == 0) {
                InterruptController now = resolver.get();
                if (now != null && now != c) {
                    controller = now; // the model was swapped: take interrupts from the new one
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
            if (id >= 0 && id < INTIDS) {
                handled.incrementAndGet(id);
                Vectors v = vectors;
                int slot = id < v.slotOf().length ? v.slotOf()[id] - 1 : -1;
                if (slot >= 0) {
                    v.counts().incrementAndGet(slot);
                }
            } else {
                unknown.increment();
            }
            c.endOfInterrupt(cpu, id);
        }
    }

    /** Interrupts handled on {@code intid} (any CPU). */
    public long count(int intid) {
        return intid >= 0 && intid < INTIDS ? handled.get(intid) : 0;
    }

    /** Starts {@code intid}'s count afresh (it was just given to a new owner). */
    public void reset(int intid) {
        if (intid >= 0 && intid < INTIDS) {
            handled.set(intid, 0);
        }
    }

    /** Signals on which the acknowledge found nothing (another CPU or an earlier signal took it). */
    public long spurious() {
        return spurious.sum();
    }

    /** Acknowledged INTIDs outside the counted range. */
    public long unknown() {
        return unknown.sum();
    }
}
