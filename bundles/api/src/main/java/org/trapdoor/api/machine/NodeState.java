package org.trapdoor.api.machine;

/** How a platform node stands with respect to drivers. */
public enum NodeState {
    /** A driver's model serves the node. */
    BOUND,
    /** No driver (yet), or it was unbound: traffic gets the architected answer and is counted. */
    UNBOUND,
    /** {@code status = "disabled"} in the device tree. */
    DISABLED
}
