package org.trapdoor.shell.attack;

import org.trapdoor.api.attack.AttackResult;

/** {@code attack NAME [DOMAIN]}: one attack's verdict and evidence, with the criterion it was judged by. */
public record AttackReport(AttackResult result, String criterion) {
}
