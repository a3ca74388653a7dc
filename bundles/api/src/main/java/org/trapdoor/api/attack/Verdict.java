package org.trapdoor.api.attack;

/** What an attack achieved. */
public enum Verdict {
    /** The defence held: the evidence shows the attack had no effect beyond the attacker. */
    BLOCKED,
    /** The evidence shows an effect outside the attacker (another domain, Xen, a device it does not own). */
    SUCCEEDED,
    /** The attack cannot be tried here (no such mechanism, no device to drive, no victim); the summary says why. */
    NOT_APPLICABLE
}
