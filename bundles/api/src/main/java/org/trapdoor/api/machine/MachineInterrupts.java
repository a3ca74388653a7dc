package org.trapdoor.api.machine;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.pci.MsiSource;

/**
 * The machine's interrupt fabric, for whoever runs on the CPUs (a guest) and for the shell's
 * {@code stats}, {@code irq}, {@code its} and {@code traffic}. The machine registers it as a
 * service next to {@link Machine}.
 */
@ProviderType
public interface MachineInterrupts {
    /**
     * The MSI ledger: every MSI raised by an attached device, with its one outcome. It is never
     * replaced, so {@code fired = delivered + dropped} holds across model swaps.
     */
    InterruptCounters msiLedger();

    /**
     * The interrupt-controller nodes ({@code interrupt-controller} without {@code msi-controller})
     * by path, in tree order, with the model bound now ({@code null} while unbound).
     */
    Map<String, InterruptController> interruptControllers();

    /** The MSI-controller nodes ({@code msi-controller}) by path, in tree order, with their model or {@code null}. */
    Map<String, MsiController> msiControllers();

    /** The path of the root interrupt controller (the root's {@code interrupt-parent}), or {@code null}. */
    String rootInterruptController();

    /**
     * Connects the CPUs' IRQ lines of an interrupt-controller node to {@code sink}; a later swap of
     * the node's model connects the new model to it too. {@code null} for {@code node} means the
     * root interrupt controller. Replaces any sink attached before.
     *
     * @throws IllegalArgumentException if the node does not exist or is not an interrupt
     *                                  controller, or {@code sink} is null (use {@link #detachSink})
     */
    void attachSink(String node, InterruptSink sink);

    /** Disconnects the node's sink ({@code null}: the root interrupt controller). */
    void detachSink(String node);

    /** The attached devices that can raise MSIs, in attach order. */
    List<MsiSource> msiSources();

    /** The machine's MSI traffic generator. */
    Traffic traffic();

    /**
     * The IOMMU nodes ({@code #iommu-cells}), by path in tree order, with the model bound now
     * ({@code null} while unbound): their counters, faults and mode without parsing summaries.
     *
     * @throws UnsupportedOperationException if this machine does not expose its IOMMUs
     */
    default Map<String, Iommu> iommus() {
        throw new UnsupportedOperationException("this machine does not expose its IOMMUs");
    }

    /**
     * Registers {@code listener} to hear of every later change of the model bound to an
     * MSI-controller node (bound, unbound, re-bound), as {@link MsiControllerChange}s. Nothing is
     * reported for the bindings in place at registration: read {@link #msiControllers()} after
     * registering. Closing the returned handle unregisters the listener.
     *
     * @throws UnsupportedOperationException if this machine does not report such changes
     */
    default AutoCloseable watchMsiControllers(MsiControllerListener listener) {
        throw new UnsupportedOperationException("this machine does not report MSI-controller changes");
    }
}
