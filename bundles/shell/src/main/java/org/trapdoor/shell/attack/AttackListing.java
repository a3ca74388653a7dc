package org.trapdoor.shell.attack;

import java.util.List;

/** {@code attack}: the scenarios there are. */
public record AttackListing(List<Row> scenarios) {
    public AttackListing {
        scenarios = List.copyOf(scenarios);
    }

    /** One scenario: its name, what the attacker does, what its verdict is read from. */
    public record Row(String name, String description, String criterion) {
    }
}
