package org.trapdoor.api.attack;

import java.util.List;

/**
 * The outcome of one attack.
 *
 * @param scenario the scenario's name
 * @param attacker the domain that ran it (null when none could)
 * @param verdict  blocked, succeeded or not applicable
 * @param summary  one line: what happened, or why the attack does not apply
 * @param evidence the measurements the verdict follows from
 */
public record AttackResult(String scenario, String attacker, Verdict verdict, String summary, List<Evidence> evidence) {
    public AttackResult {
        evidence = List.copyOf(evidence);
    }

    public static AttackResult notApplicable(String scenario, String attacker, String why) {
        return new AttackResult(scenario, attacker, Verdict.NOT_APPLICABLE, why, List.of());
    }
}
