package org.trapdoor.api.irq;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.model.DeviceModel;

/**
 * A GIC as the rest of the machine sees it: devices and MSI controllers make interrupts
 * pending, and each CPU takes them through its CPU interface the way a guest does with
 * ICC_IAR1/ICC_EOIR1 (GICv3) or GICC_IAR/GICC_EOIR (GICv2).
 *
 * <p>INTIDs follow the architecture: 0..15 SGIs, 16..31 PPIs, 32..1019 SPIs, 1020..1023
 * special, 8192 and up LPIs. Methods that make an interrupt pending return {@code null} when
 * the request was delivered (the interrupt became pending, it is enabled, and its CPU was
 * signalled) and a {@link DropReason} otherwise: {@link DropReason#COALESCED} when it was pending
 * already, {@link DropReason#INTERRUPT_DISABLED} when it is disabled (it stays pending, as the
 * architecture requires), or why it could not be made pending at all. They allocate nothing and
 * take no lock, so MSI paths may call them; an MSI controller records the returned outcome in the
 * machine's MSI ledger.
 */
@ProviderType
public interface InterruptController extends DeviceModel {
    /** INTID returned by {@link #acknowledge(int)} when nothing is pending. */
    int SPURIOUS = 1023;
    /** The first LPI INTID. */
    int FIRST_LPI = 8192;

    /** CPU interfaces (and, for GICv3, redistributors): CPU {@code n} is redistributor {@code n}. */
    int cpuCount();

    /** True when {@link #setLpiPending} can succeed at all (GICv3 with GICD_TYPER.LPIS). */
    boolean supportsLpis();

    /** Drives SPI {@code intid}'s input high: an edge-triggered SPI latches pending, a level one is pending while high. */
    DropReason raiseSpi(int intid);

    /** Drives SPI {@code intid}'s input low (ends a level-triggered assertion). */
    void lowerSpi(int intid);

    /**
     * Drives SPI {@code intid}'s input high and low again, as an MSI frame's write does (GICv2m
     * MSI_SETSPI_NS): an edge-triggered SPI latches pending; a level-sensitive one is pending only
     * for the pulse, which is shorter than any handler, so a CPU signalled meanwhile takes it at
     * most once and its EOI does not re-pend it. An input held high already makes the pulse
     * {@link DropReason#COALESCED}.
     *
     * <p>The default raises then lowers, which is right only for a controller that signals no
     * CPU from inside {@link #raiseSpi}.
     */
    default DropReason pulseSpi(int intid) {
        DropReason r = raiseSpi(intid);
        lowerSpi(intid);
        return r;
    }

    /** Makes LPI {@code intid} pending at redistributor {@code redistributor} (the ITS's output). */
    DropReason setLpiPending(int intid, int redistributor);

    /** Clears LPI {@code intid}'s pending state at {@code redistributor} (ITS CLEAR, DISCARD). */
    void clearLpiPending(int intid, int redistributor);

    /**
     * Re-reads LPI {@code intid}'s configuration byte (ITS INV); a pending LPI that is now enabled
     * is signalled.
     */
    void reloadLpiConfig(int intid, int redistributor);

    /** Re-reads every LPI's configuration at {@code redistributor} (ITS INVALL). */
    void reloadLpiConfig(int redistributor);

    /** Moves every pending LPI from one redistributor to another (ITS MOVALL). */
    void moveLpis(int fromRedistributor, int toRedistributor);

    /** True when {@code intid} is pending for {@code cpu} (SPIs: routed to {@code cpu}). */
    boolean isPending(int intid, int cpu);

    /**
     * CPU interface acknowledge: the highest-priority pending, enabled interrupt routed to
     * {@code cpu} becomes active and its INTID is returned; {@link #SPURIOUS} if there is none.
     * Lower priority values win; equal priorities go to the lower INTID.
     */
    int acknowledge(int cpu);

    /** CPU interface end of interrupt: priority drop and deactivation of {@code intid}. */
    void endOfInterrupt(int cpu, int intid);

    /** How many times {@code intid} has been made pending (any CPU), since the model was created. */
    long deliveries(int intid);

    /** Outcome of every set-pending request (SPI raises and LPI requests). */
    InterruptCounters counters();

    /**
     * Connects the CPUs' IRQ lines; {@code null} disconnects. Interrupts already pending and
     * enabled are signalled at once. See {@link InterruptSink} for the calling contract.
     */
    void connect(InterruptSink sink);
}
