package org.trapdoor.api.attack;

/**
 * One measurement an attack's verdict rests on: a counter or memory word read before and after
 * the attack, by an observer other than the attacker (a device register, another kernel's
 * interrupt count, the hypervisor's or the machine's ledger, host memory).
 *
 * @param what   what was measured, e.g. {@code "Domain-0 0000:00:01.0 vector 0 handled"}
 * @param before its value before the attack
 * @param after  its value after
 */
public record Evidence(String what, long before, long after) {
    /** {@code after - before}. */
    public long delta() {
        return after - before;
    }

    @Override
    public String toString() {
        return what + " " + before + " -> " + after;
    }
}
