package org.trapdoor.attack;

/** Thrown while an attack is prepared when it cannot be tried here; its message says why. */
final class NotApplicable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotApplicable(String why) {
        super(why, null, false, false);
    }
}
