package org.trapdoor.api.irq;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.model.DeviceModel;

/**
 * A controller that turns memory writes into interrupts (a GICv3 ITS, a GICv2m frame): what a
 * guest or hypervisor needs to know to program a device's MSI capability.
 */
@ProviderType
public interface MsiController extends DeviceModel {
    /**
     * The physical address a device writes its MSI data to. {@code deviceId} is the DeviceID the
     * bus presents after {@code msi-map}; controllers without DeviceIDs ignore it.
     */
    long doorbellAddress(int deviceId);

    /** True when the controller tells devices apart by DeviceID (ITS), false when any writer can raise any vector (v2m). */
    boolean needsDeviceId();

    /** What the message data means, e.g. {@code "EventID via ITT"} or {@code "SPI 80..143"}. */
    String description();

    /** What a message becomes at the CPU (the {@code irq} column Linux's irq chip gives it). */
    enum Delivery {
        /** A GICv3 LPI (an ITS translates it). */
        LPI,
        /** One GIC SPI per vector (a GICv2m frame). */
        SPI,
        /**
         * A vector of the controller's own MSI domain, demultiplexed from its parent interrupt by a
         * chained handler ({@code nwl_pcie:msi}, X-Gene MSI, {@code xilinx-pcie}): the kernel's number
         * for it is a Linux virq, not a GIC INTID.
         */
        CHAINED
    }

    /** What this controller's messages become; the default follows {@link #needsDeviceId()} (ITS or v2m). */
    default Delivery delivery() {
        return needsDeviceId() ? Delivery.LPI : Delivery.SPI;
    }

    /** Outcome of every message received at the doorbell. */
    InterruptCounters counters();

    /**
     * The controller as a hypervisor's trap-and-remap backend ({@link MsiRemapBackend}), driving
     * it through {@code bus} (the CPU's physical address space), or null when this controller
     * offers none (the hypervisor then refuses trap-and-remap on it with a one-line reason).
     */
    default MsiRemapBackend remapBackend(org.trapdoor.api.memory.AddressSpace bus) {
        return null;
    }
}
