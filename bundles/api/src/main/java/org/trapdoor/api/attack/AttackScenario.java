package org.trapdoor.api.attack;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One attack a hostile DomU can run, registered as a service with {@link #NAME} set to its
 * {@link #name()}. Running it leaves the system as it found it (the attacker's device programming,
 * memory the attack changed), so attacks can follow one another.
 */
@ConsumerType
public interface AttackScenario {
    /** Service property: the scenario's name. */
    String NAME = "trapdoor.attack.name";

    /** e.g. {@code "doorbell-dma"}. */
    String name();

    /** One line: what the attacker does. */
    String description();

    /** One line: the counters and memory the verdict is read from, and what counts as success. */
    String criterion();

    /**
     * Runs the attack from {@code attacker} (a DomU's name or domid; null: the first DomU with a
     * device assigned). A domain that does not exist is an {@link IllegalArgumentException} with a
     * one-line message; an attack that cannot be tried is a {@link Verdict#NOT_APPLICABLE} result.
     */
    AttackResult run(String attacker);
}
