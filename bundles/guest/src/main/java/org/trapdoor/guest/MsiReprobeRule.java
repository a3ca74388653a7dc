package org.trapdoor.guest;

import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MsiControllerChange;

/**
 * When the kernel re-probes its MSI set-up by itself, after the machine reported that the model
 * on an MSI-controller node a host's MSIs use changed. The set-up stands as long as the node
 * carries a controller of the kind the kernel's domain was built for that still holds the tables
 * the kernel wrote (or, for a GICv2m frame, the nothing it keeps):
 * <ul>
 * <li>unbound: no re-probe. MSIs are dropped ({@code NODE_UNBOUND}) and counted until a model
 *     is bound again; there is nothing to probe meanwhile;</li>
 * <li>the very model the set-up was made on (the kernel already probed it): no re-probe;</li>
 * <li>a controller of another kind (an ITS where the domain is GICv2m, or the reverse): re-probe,
 *     as after a hot-unplug and re-plug of the controller;</li>
 * <li>the same kind, started from reset (nothing handed over: bound back after another kind, a
 *     first bind, a failed hand-over): re-probe, its tables are gone;</li>
 * <li>the same kind carrying on from the last model's state: no re-probe, delivery resumes from
 *     the tables in memory.</li>
 * </ul>
 */
final class MsiReprobeRule {
    private MsiReprobeRule() {
    }

    /** The two kinds of MSI domain the kernel builds. */
    enum Kind {
        ITS("ITS", "an ITS"), GICV2M("GICv2m", "a GICv2m frame");

        private final String label;
        private final String noun;

        Kind(String label, String noun) {
            this.label = label;
            this.noun = noun;
        }

        /** With its article, for a sentence: "an ITS", "a GICv2m frame". */
        String noun() {
            return noun;
        }

        /** The domain a model calls for: DeviceIDs mean an ITS, none a GICv2m frame. */
        static Kind of(MsiController model) {
            return model.needsDeviceId() ? ITS : GICV2M;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** Whether to re-probe, and why, in words for the boot log. */
    record Decision(boolean reprobe, String reason) {
    }

    /**
     * @param setUpFor the kind of the domain the host's MSIs use now, or {@code null} when the
     *                 host has no working MSI domain
     * @param setUpOn  the model that domain was probed on (or last carried on to), or {@code null}
     * @param change   what the machine reported
     */
    static Decision decide(Kind setUpFor, MsiController setUpOn, MsiControllerChange change) {
        MsiController now = change.model();
        if (now == null) {
            return new Decision(false, "its MSIs are dropped (NODE_UNBOUND) until it is bound again");
        }
        if (now == setUpOn) {
            return new Decision(false, "the MSI set-up was made on this very model");
        }
        Kind kind = Kind.of(now);
        if (setUpFor == null) {
            return new Decision(true, kind.noun() + " where the host had no working MSI domain");
        }
        if (kind != setUpFor) {
            return new Decision(true, "now " + kind.noun() + ", but the MSI set-up is for " + setUpFor.noun());
        }
        if (!change.stateHandedOver()) {
            return new Decision(true, kind.noun() + " started from reset: the tables the kernel built are not in it");
        }
        return new Decision(false, kind.noun() + " that took over the last one's state: delivery resumes from the tables in memory");
    }
}
