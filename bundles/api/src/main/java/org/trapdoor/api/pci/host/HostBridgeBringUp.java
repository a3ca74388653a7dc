package org.trapdoor.api.pci.host;

import java.util.ArrayList;
import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;
import org.trapdoor.api.dt.DtNode;

/**
 * The initialisation sequence of one kind of host bridge, for the node it is to run on. Nothing
 * is read from the node while the steps run: addresses are taken when the steps are built, so the
 * same steps run for whichever owner the platform's policy names.
 */
@ConsumerType
public interface HostBridgeBringUp {
    /** The {@code compatible} strings whose bridges this sequence initialises. */
    List<String> compatibles();

    /**
     * The steps for {@code bridge}, in order.
     *
     * @throws BringUpException when the node lacks what the sequence needs (a named region, a PHY)
     */
    List<BringUpStep> steps(DtNode bridge) throws BringUpException;

    /** Runs every step in order, stopping at the first that fails. */
    default BringUpResult run(DtNode bridge, String owner, RegisterAccess io) {
        List<String> done = new ArrayList<>();
        List<BringUpStep> steps;
        try {
            steps = steps(bridge);
        } catch (BringUpException e) {
            return new BringUpResult(bridge.path(), owner, done, "parse", e.getMessage());
        }
        for (BringUpStep s : steps) {
            try {
                s.run(io);
            } catch (BringUpException e) {
                return new BringUpResult(bridge.path(), owner, done, s.name(), e.getMessage());
            }
            done.add(s.name());
        }
        return new BringUpResult(bridge.path(), owner, done, null, null);
    }
}
