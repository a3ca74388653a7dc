package org.trapdoor.attack;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.irq.DropReason;

/**
 * (f) The attacker's device raises its vector flat out from one CPU while the victim's device
 * raises a fixed number of messages. Starvation is read from counts apart: the victim's device
 * (messages sent) against the victim's kernel (handled), and the victim's rate under the flood
 * against its rate alone, measured just before in the same run.
 */
final class InterruptFlood extends Scenario {
    private static final int VICTIM_MESSAGES = 2_000;
    /** Below this share of its rate alone, the victim counts as starved. */
    static final double STARVED = 0.05;

    InterruptFlood(Platform p) {
        super(p);
    }

    @Override
    public String name() {
        return "irq-flood";
    }

    @Override
    public String description() {
        return "raise its own vector flat out while another domain's device raises " + VICTIM_MESSAGES + " messages";
    }

    @Override
    public String criterion() {
        return "SUCCEEDED if the victim's kernel handles fewer messages than its device sent, or the victim's rate "
                + "under the flood falls below " + (int) (STARVED * 100) + " % of its rate alone; BLOCKED otherwise";
    }

    @Override
    AttackResult attack(Attacker a) {
        Victim v = Victim.of(p.hv(), a);
        List<GuestMsiVector> mine = a.vectors();
        int vector = mine.isEmpty() ? 0 : mine.get(0).vector();
        rate(v); // warm-up: the victim's path compiled before either rate is measured
        long alone = rate(v);
        java.util.concurrent.atomic.AtomicLong raised = new java.util.concurrent.atomic.AtomicLong();
        Readings r = new Readings()
                .add(v.label() + " sent (victim device)", v::sent)
                .add(v.label() + " handled (victim kernel)", v::handled)
                .add("attacker raises (its device's RAISES)", () -> a.reg(Endpoint.REG_RAISES))
                .add("attacker messages sent (its device)", () -> a.reg(Endpoint.REG_MSG_SENT))
                .add("physical interrupts taken (Xen ledger)", () -> xenLedger().fired())
                .add("injections merged with one pending (Xen ledger COALESCED)", () -> xenLedger().dropped(DropReason.COALESCED))
                .add("messages merged with one pending at the physical GIC (machine ledger COALESCED)",
                        () -> machineLedger().dropped(DropReason.COALESCED))
                .add("messages delivered to the physical GIC (machine ledger)", () -> machineLedger().delivered())
                .before();
        Thread flood = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                a.raise(vector);
                raised.incrementAndGet();
            }
        }, "attack irq-flood");
        flood.setDaemon(true);
        flood.start();
        long underFlood;
        try {
            while (raised.get() < 1_000 && flood.isAlive()) {
                Thread.onSpinWait(); // the flood is on before the victim starts
            }
            underFlood = rate(v);
        } finally {
            flood.interrupt();
            try {
                flood.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Settle.quiet(v::handled);
        List<Evidence> e = new ArrayList<>(r.after());
        e.add(new Evidence("victim messages per second: alone -> under the flood", alone, underFlood));
        long sent = e.get(0).delta(); // the readings start after the batch alone
        long handled = e.get(1).delta();
        boolean lost = handled < sent;
        boolean starved = underFlood < alone * STARVED;
        return result(a, lost || starved, lost ? "the victim's kernel missed " + (sent - handled) + " of its messages"
                : starved ? "the victim was starved: " + underFlood + "/s against " + alone + "/s alone"
                : "the victim got every message, at " + underFlood + "/s under the flood against " + alone + "/s alone", e);
    }

    /** The victim raises its batch; messages per second. */
    private static long rate(Victim v) {
        long t0 = System.nanoTime();
        for (int i = 0; i < VICTIM_MESSAGES; i++) {
            v.raise();
        }
        long ns = Math.max(1, System.nanoTime() - t0);
        return VICTIM_MESSAGES * 1_000_000_000L / ns;
    }
}
