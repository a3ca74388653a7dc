package org.trapdoor.api.guest;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A booted guest kernel: it ran against an address space (its view of physical memory) and the
 * device tree it was given, and enumerated the PCI host bridges it found there.
 */
@ProviderType
public interface GuestKernel {
    /** A name for messages, e.g. {@code "linux (no hypervisor)"}. */
    String name();

    /** The PCI host controllers the kernel probed, in device-tree order. */
    List<GuestPciHost> pciHosts();

    /** Every PCI function the kernel enumerated, in scan order over all host controllers. */
    List<GuestPciDevice> pciDevices();

    /** The kernel's log, oldest line first; bounded, so the oldest lines may have been dropped. */
    List<String> bootLog();

    /** Every MSI and MSI-X vector the kernel set up, by function then vector; empty without MSI. */
    default List<GuestMsiVector> msiVectors() {
        return List.of();
    }

    /** Interrupts handled per INTID, like {@code /proc/interrupts}: every INTID that is set up or was taken. */
    default List<GuestIrqCount> interruptCounts() {
        return List.of();
    }

    /**
     * Tears down every function's MSI set-up and does it again against the MSI controllers the
     * machine has now (after a controller was swapped, e.g. GICv2m for an ITS).
     *
     * @throws UnsupportedOperationException if this kernel does not drive MSIs
     */
    default void reprobeMsi() {
        throw new UnsupportedOperationException(name() + " does not set up MSIs");
    }

    /**
     * Waits until the kernel has booted (enumerated PCI and set up MSI), at most
     * {@code timeoutMillis}; true once it has. A kernel that boots in its constructor is booted
     * already.
     */
    default boolean awaitBooted(long timeoutMillis) throws InterruptedException {
        return true;
    }
}
