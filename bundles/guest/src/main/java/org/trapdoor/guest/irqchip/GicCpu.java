package org.trapdoor.guest.irqchip;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.counter.EventCounterArray;

import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;

/**
 * The guest's CPUs taking interrupts: the IRQ exception handler of {@code gic_handle_irq}. When a
 * CPU is signalled it acknowledges (ICC_IAR1 / GICC_IAR: the highest-priority pending interrupt
 * becomes active), counts the INTID, and ends it (EOI), until the controller has nothing more
 * for that CPU.
 *
 * <p>The handler allocates nothing, takes no lock and makes no atomic update: counts live in
 * {@link EventCounterArray}s, per CPU and INTID and per vector (looked up by INTID in a table the
 * kernel installs when it sets MSIs up); a CPU's array is made the first time that CPU takes an
 * interrupt.
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
    /** CPUs counted apart; a CPU interface numbered beyond (none of the platforms has one) counts on the last. */
    public static final int MAX_CPUS = 256;

    /** Per CPU, interrupts handled per INTID; null until that CPU takes one. */
    private final AtomicReferenceArray<EventCounterArray> handled = new AtomicReferenceArray<>(MAX_CPUS);
    private final EventCounter spurious = new EventCounter();
    private final EventCounter unknown = new EventCounter();
    private volatile InterruptController controller;
    private volatile Supplier<InterruptController> resolver = () -> null;
    /** INTID to vector slot + 1 (0: no vector), and the per-vector counts; replaced together on (re)probe. */
    private volatile Vectors vectors = new Vectors(new int[0], new EventCounterArray(0));

    private record Vectors(int[] slotOf, EventCounterArray counts) {
    }

    /** Chained handlers by the SPI they hang off ({@code irq_set_chained_handler_and_data}). */
    private final AtomicReferenceArray<ChainedHandler> chained = new AtomicReferenceArray<>(1020);

    /**
     * A chained interrupt handler: runs on the CPU that took its SPI, between the acknowledge and
     * the EOI ({@code chained_irq_enter}/{@code chained_irq_exit}), and hands each interrupt it
     * finds to {@link #dispatch} ({@code generic_handle_domain_irq}). Calls on one CPU are
     * serialised; it must not allocate or lock.
     */
    @FunctionalInterface
    public interface ChainedHandler {
        void handle(int cpu);
    }

    /** Hangs {@code handler} off SPI {@code intid}; {@code null} removes it. */
    public void chain(int intid, ChainedHandler handler) {
        chained.set(intid, handler);
    }

    /**
     * {@code generic_handle_domain_irq} from a chained handler on {@code cpu}: the child interrupt
     * {@code virq} is counted as handled there, and on its vector's count.
     */
    public void dispatch(int cpu, int virq) {
        if (virq < 0 || virq >= INTIDS) {
            unknown.increment();
            return;
        }
        handledOn(cpu).increment(virq);
        Vectors v = vectors;
        int slot = virq < v.slotOf().length ? v.slotOf()[virq] - 1 : -1;
        if (slot >= 0) {
            v.counts().increment(slot);
        }
    }

    /**
     * Installs the INTID to vector table of a fresh MSI set-up: {@code slotOf[intid]} is the
     * vector's slot + 1, 0 for an INTID that is no vector. Per-vector counts start at zero.
     */
    public void vectors(int[] slotOf, int slots) {
        vectors = new Vectors(slotOf.clone(), new EventCounterArray(slots));
    }

    /** Interrupts handled on vector {@code slot} of the current set-up. */
    public long vectorCount(int slot) {
        return vectors.counts().get(slot);
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
        EventCounterArray counts = handledOn(cpu);
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
            ChainedHandler h = id >= 0 && id < 1020 ? chained.get(id) : null;
            if (h != null) {
                // The parent SPI is not counted: its children are, as Linux's chained flow does.
                h.handle(cpu);
            } else if (id >= 0 && id < INTIDS) {
                counts.increment(id);
                Vectors v = vectors;
                int slot = id < v.slotOf().length ? v.slotOf()[id] - 1 : -1;
                if (slot >= 0) {
                    v.counts().increment(slot);
                }
            } else {
                unknown.increment();
            }
            c.endOfInterrupt(cpu, id);
        }
    }

    /** CPU {@code cpu}'s counts, made on its first interrupt (once per CPU, not per interrupt). */
    private EventCounterArray handledOn(int cpu) {
        int i = Math.max(0, Math.min(cpu, MAX_CPUS - 1));
        EventCounterArray a = handled.get(i);
        if (a == null) {
            handled.compareAndSet(i, null, new EventCounterArray(INTIDS));
            a = handled.get(i);
        }
        return a;
    }

    /** Interrupts handled on {@code intid} (any CPU). */
    public long count(int intid) {
        if (intid < 0 || intid >= INTIDS) {
            return 0;
        }
        long n = 0;
        for (int i = 0; i < MAX_CPUS; i++) {
            EventCounterArray a = handled.get(i);
            if (a != null) {
                n += a.get(intid);
            }
        }
        return n;
    }

    /** Interrupts CPU {@code cpu} handled on {@code intid}. */
    public long count(int cpu, int intid) {
        EventCounterArray a = cpu >= 0 && cpu < MAX_CPUS ? handled.get(cpu) : null;
        return a == null || intid < 0 || intid >= INTIDS ? 0 : a.get(intid);
    }

    /** One more than the highest CPU that took an interrupt; 0 before any did. */
    public int cpusSeen() {
        for (int i = MAX_CPUS - 1; i >= 0; i--) {
            if (handled.get(i) != null) {
                return i + 1;
            }
        }
        return 0;
    }

    /** Starts {@code intid}'s count afresh on every CPU (it was just given to a new owner). */
    public void reset(int intid) {
        if (intid < 0 || intid >= INTIDS) {
            return;
        }
        for (int i = 0; i < MAX_CPUS; i++) {
            EventCounterArray a = handled.get(i);
            if (a != null) {
                a.reset(intid);
            }
        }
    }

    /** Interrupts handled since the CPUs came up, on any counted INTID, {@link #reset} or not. */
    public long total() {
        long n = 0;
        for (int i = 0; i < MAX_CPUS; i++) {
            EventCounterArray a = handled.get(i);
            if (a != null) {
                n += a.total();
            }
        }
        return n;
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
