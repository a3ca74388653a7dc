package org.trapdoor.api.hypervisor;

import java.util.List;

/**
 * A domain to create, as an {@code xl} configuration file describes it.
 *
 * @param name      {@code name}
 * @param memoryMiB {@code memory}, in MiB
 * @param vcpus     {@code vcpus}
 * @param pci       {@code pci = [ ... ]}, with the {@code pci_*} defaults already applied
 */
public record DomainConfig(String name, long memoryMiB, int vcpus, List<PciSpec> pci) {
    public DomainConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a domain needs a name");
        }
        if (memoryMiB <= 0) {
            throw new IllegalArgumentException("memory must be positive (MiB), not " + memoryMiB);
        }
        if (vcpus <= 0) {
            throw new IllegalArgumentException("vcpus must be positive, not " + vcpus);
        }
        pci = List.copyOf(pci);
    }
}
