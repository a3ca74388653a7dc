package org.trapdoor.attack;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.AttackScenario;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.attack.Verdict;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;

/**
 * A scenario: finds its attacker (and victim), runs the attack, and returns the verdict with the
 * evidence it follows from. What cannot be tried here is NOT_APPLICABLE with the reason.
 */
abstract class Scenario implements AttackScenario {
    /** Drops that happen before a message reaches any MSI controller (it never got to a doorbell). */
    private static final DropReason[] BEFORE_CONTROLLER = {DropReason.IOMMU_FAULT, DropReason.IOMMU_UNBOUND,
        DropReason.NO_DOORBELL, DropReason.TARGET_ABORT, DropReason.BRIDGE_UNBOUND, DropReason.NODE_UNBOUND,
        DropReason.DISABLED, DropReason.MASKED, DropReason.NO_SUCH_VECTOR};

    final Platform p;

    Scenario(Platform p) {
        this.p = p;
    }

    @Override
    public final AttackResult run(String attacker) {
        Attacker a;
        try {
            a = Attacker.of(p.hv(), attacker);
        } catch (NotApplicable e) {
            return AttackResult.notApplicable(name(), attacker, e.getMessage());
        }
        try {
            return attack(a);
        } catch (NotApplicable e) {
            return AttackResult.notApplicable(name(), a.name(), e.getMessage());
        }
    }

    abstract AttackResult attack(Attacker a);

    AttackResult result(Attacker a, boolean succeeded, String summary, List<Evidence> evidence) {
        return new AttackResult(name(), a.name(), succeeded ? Verdict.SUCCEEDED : Verdict.BLOCKED, summary, evidence);
    }

    // ---------------------------------------------------------------- the observer's counts

    InterruptCounters machineLedger() {
        return p.irqs().msiLedger();
    }

    InterruptCounters xenLedger() {
        return p.hv().interruptLedger();
    }

    /** Messages that reached an MSI controller's doorbell (delivered, or dropped by the controller itself). */
    long reachedController() {
        InterruptCounters c = machineLedger();
        long n = c.fired();
        for (DropReason r : BEFORE_CONTROLLER) {
            n -= c.dropped(r);
        }
        return n;
    }

    /** A list of counters read before the attack, completed with {@link #after}. */
    static final class Readings {
        private final List<String> names = new ArrayList<>();
        private final List<java.util.function.LongSupplier> sources = new ArrayList<>();
        private long[] before;

        Readings add(String name, java.util.function.LongSupplier source) {
            names.add(name);
            sources.add(source);
            return this;
        }

        Readings before() {
            before = new long[sources.size()];
            for (int i = 0; i < before.length; i++) {
                before[i] = sources.get(i).getAsLong();
            }
            return this;
        }

        /** Reads every counter again; returns the evidence in order. */
        List<Evidence> after() {
            List<Evidence> e = new ArrayList<>();
            for (int i = 0; i < before.length; i++) {
                e.add(new Evidence(names.get(i), before[i], sources.get(i).getAsLong()));
            }
            return e;
        }

        java.util.function.LongSupplier[] sources() {
            return sources.toArray(new java.util.function.LongSupplier[0]);
        }
    }

    static long delta(List<Evidence> e, String name) {
        for (Evidence x : e) {
            if (x.what().equals(name)) {
                return x.delta();
            }
        }
        throw new IllegalStateException(name);
    }
}
