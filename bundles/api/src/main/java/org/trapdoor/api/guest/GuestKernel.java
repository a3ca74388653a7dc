package org.trapdoor.api.guest;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.iommu.IommuFault;

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

    /** The DMA domain of every function behind an IOMMU the kernel drives; empty when none is. */
    default List<GuestIommuDomain> iommuDomains() {
        return List.of();
    }

    /**
     * The fault records the kernel read from its IOMMUs' event queues and fault registers since
     * boot, oldest first (bounded).
     */
    default List<IommuFault> iommuFaults() {
        return List.of();
    }

    /**
     * Maps {@code length} bytes of RAM at {@code phys} for the test endpoint {@code bdf} (through
     * its IOMMU domain, or directly without one), has the endpoint DMA between its buffer and
     * that memory, and unmaps it again, as a driver would.
     *
     * @param toMemory true: the device writes the buffer into memory; false: it reads memory
     * @throws IllegalArgumentException if {@code bdf} is not a test endpoint the kernel found,
     *                                  or the length does not fit its buffer
     * @throws UnsupportedOperationException if this kernel does not do DMA
     */
    default GuestDmaTest dmaTest(String bdf, long phys, int length, boolean toMemory) {
        throw new UnsupportedOperationException(name() + " does not do DMA");
    }

    /**
     * Has the test endpoint {@code bdf} DMA to or from {@code busAddress} as given, without
     * mapping anything: to show what the IOMMU does with an address outside the domain.
     *
     * @throws IllegalArgumentException as {@link #dmaTest}
     * @throws UnsupportedOperationException if this kernel does not do DMA
     */
    default GuestDmaTest dmaRaw(String bdf, long busAddress, int length, boolean toMemory) {
        throw new UnsupportedOperationException(name() + " does not do DMA");
    }

    /**
     * Gives function {@code bdf} up to a stub driver, as the toolstack of the kernel's domain does
     * before the function is assigned to another domain (libxl's {@code pci-assignable-add}: the
     * driver unbound through sysfs, the function bound to xen-pciback): the driver's remove frees
     * its vectors (MSI and MSI-X disabled) and clears bus mastering, then the stub resets the
     * function (a Function Level Reset when Device Capabilities offer one) and restores its BARs.
     * Calling it for a function that has no driver any more only resets it again.
     *
     * @return the kernel's one-line account, e.g. {@code "0000:00:02.0: MSI-X freed, FLR"}
     * @throws IllegalArgumentException if the kernel did not enumerate {@code bdf}
     * @throws UnsupportedOperationException if this kernel cannot release a function
     */
    default String releaseDevice(String bdf) {
        throw new UnsupportedOperationException(name() + " cannot release PCI functions");
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
     * MSI set-ups the kernel has done: 1 once the boot set MSIs up, one more after each re-probe
     * (by {@link #reprobeMsi()} or one the kernel chose itself after an MSI controller was
     * re-plugged); 0 before boot or for a kernel that does not drive MSIs.
     */
    default long msiGeneration() {
        return 0;
    }

    /**
     * Waits, at most {@code timeoutMillis}, until the kernel has acted on every change of an MSI
     * controller's model that the machine reported to it before this call: decided whether its
     * MSI set-up still stands and, where it does not, re-probed. True once it has (at once for a
     * kernel that hears of no such changes).
     */
    default boolean awaitMsiSettled(long timeoutMillis) throws InterruptedException {
        return true;
    }

    /**
     * Interrupts the kernel's CPUs handled since boot, on any INTID, across re-probes (unlike the
     * per-vector counts of {@link #msiVectors()}, which start afresh with each set-up). Exact while
     * no re-probe is in progress.
     */
    default long interruptsHandled() {
        long n = 0;
        for (GuestIrqCount c : interruptCounts()) {
            n += c.count();
        }
        return n;
    }

    /**
     * Waits until the kernel has booted (enumerated PCI and set up MSI), at most
     * {@code timeoutMillis}; true once it has. A kernel that boots in its constructor is booted
     * already.
     */
    default boolean awaitBooted(long timeoutMillis) throws InterruptedException {
        return true;
    }

    /**
     * Stops the kernel: its CPUs stop taking interrupts and its workers end. A hypervisor calls it
     * when it destroys the domain; idempotent.
     */
    default void shutdown() {
    }
}
