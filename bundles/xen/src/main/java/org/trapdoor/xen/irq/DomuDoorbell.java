package org.trapdoor.xen.irq;

import org.trapdoor.api.counter.EventCounter;

/**
 * One DomU's doorbell choice ({@code doorbell} kind) and what Xen's fault path did with the
 * doorbell writes it recovered under {@code abort-sanitise}: forwarded (a message the guest's MSI
 * state allows, sent on to the host ITS with an INT command), refused (a forged message: not a
 * vector of the device's enabled MSI, or another device's), lost (the SMMU does not capture a
 * faulting write's data, so Xen cannot tell which message it was).
 */
public final class DomuDoorbell {
    public static final String MAP = "map";
    public static final String ABORT_SANITISE = "abort-sanitise";

    volatile String mode = MAP;
    final EventCounter forwarded = new EventCounter();
    final EventCounter refused = new EventCounter();
    final EventCounter lost = new EventCounter();

    public String mode() {
        return mode;
    }

    public long forwarded() {
        return forwarded.sum();
    }

    public long refused() {
        return refused.sum();
    }

    public long lost() {
        return lost.sum();
    }

    @Override
    public String toString() {
        return String.format("doorbell %s: forwarded=%d refused=%d lost(no data)=%d", mode, forwarded(), refused(),
                lost());
    }
}
