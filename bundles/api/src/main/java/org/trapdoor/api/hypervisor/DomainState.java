package org.trapdoor.api.hypervisor;

/** A domain's life, as {@code xl list}'s State column shows it. */
public enum DomainState {
    /** Being built: memory, tree, devices; the kernel has not run yet. */
    CREATING('-'),
    /** Running or runnable ({@code r}). */
    RUNNING('r'),
    /** Blocked waiting for an event ({@code b}). */
    BLOCKED('b'),
    /** Being destroyed ({@code d}). */
    DYING('d'),
    /** Gone; its resources returned. */
    DEAD('-');

    private final char xl;

    DomainState(char xl) {
        this.xl = xl;
    }

    /** The letter {@code xl list} prints in its position of the State column. */
    public char xlLetter() {
        return xl;
    }
}
