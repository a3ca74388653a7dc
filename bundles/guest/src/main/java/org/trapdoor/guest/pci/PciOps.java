package org.trapdoor.guest.pci;

/**
 * A host bridge's config accessors, Linux's {@code struct pci_ops}: read and write a function's
 * register by bus, device/function and offset (1, 2 or 4 bytes, naturally aligned). A read the
 * bridge cannot make answers all-ones; such a write is dropped. Generic ECAM is {@link PciEcam};
 * a vendor bridge (X-Gene's RTDID indirection) brings its own.
 */
public interface PciOps {
    int read(int bus, int devfn, int offset, int size);

    void write(int bus, int devfn, int offset, int size, int value);
}
