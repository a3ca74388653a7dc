package org.trapdoor.api.machine;

import org.trapdoor.api.irq.MsiController;

/**
 * The model bound to an MSI-controller node ({@code msi-controller}) changed: it was bound,
 * unbound, or re-bound (same driver, another driver of the same hardware, or a driver for
 * another kind of hardware). Reported by {@link MachineInterrupts#watchMsiControllers} after the
 * new binding is published.
 *
 * @param node            the node's device-tree path
 * @param model           the model serving the node now, or {@code null} while no MSI-controller
 *                        model does (unbound: MSIs written to it are dropped as
 *                        {@link org.trapdoor.api.irq.DropReason#NODE_UNBOUND} and counted)
 * @param driver          the name of the driver bound now, or {@code null}
 * @param sameKind        {@code model} models the same hardware (the same matched
 *                        {@code compatible}) as the last model the node had, whether that one was
 *                        replaced now or left the node unbound earlier; false for {@code null} or
 *                        a node's first model
 * @param stateHandedOver {@code model} took over the last model's state (its registers, handed
 *                        over live or kept while the node was unbound), so it carries on from the
 *                        tables software built in memory; false when it started from reset (another
 *                        kind of hardware, a first bind, or a failed hand-over)
 */
public record MsiControllerChange(String node, MsiController model, String driver, boolean sameKind,
        boolean stateHandedOver) {

    /** The node has no MSI-controller model now. */
    public boolean unbound() {
        return model == null;
    }
}
