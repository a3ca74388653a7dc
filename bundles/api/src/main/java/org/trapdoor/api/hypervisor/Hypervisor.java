package org.trapdoor.api.hypervisor;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A running hypervisor and its toolstack: what {@code xl} talks to. Every operation that can be
 * refused throws {@link HypervisorException} with a one-line message in the toolstack's words.
 */
@ProviderType
public interface Hypervisor {
    /** e.g. {@code "Xen 4.23-trapdoor"}. */
    String version();

    /** Every domain that exists now, by domid (the hardware domain first). */
    List<Domain> domains();

    /** The domain with this name or numeric domid. */
    Optional<Domain> domain(String nameOrId);

    /** Dom0, the hardware domain. */
    Domain hardwareDomain();

    /** Builds a domain and boots its kernel, as {@code xl create} does. */
    Domain create(DomainConfig config);

    /** Tears a domain down: its devices return to quarantine and its memory to the hypervisor. */
    void destroy(String nameOrId);

    /** {@code xl pci-assignable-add}: takes the function from Dom0 into quarantine ({@code dom_io}). */
    void assignableAdd(String bdf);

    /** {@code xl pci-assignable-remove}: gives a quarantined function back to Dom0. */
    void assignableRemove(String bdf);

    /** {@code xl pci-assignable-list}: the quarantined functions, as {@code SSSS:BB:DD.F}. */
    List<String> assignableList();

    /** {@code xl pci-attach}: assigns an assignable function to a running domain. */
    PciAssignment attach(String domain, PciSpec spec);

    /** {@code xl pci-detach}: takes the function back into quarantine. */
    void detach(String domain, String bdf);

    /** Every PCI function the hypervisor knows of (reported by Dom0), with its owner. */
    List<PciDeviceStatus> pciDevices();

    /** The host bridges the hypervisor found in the platform, with their segment and state. */
    List<HostBridgeStatus> hostBridges();

    /** The hypervisor's console ring ({@code xl dmesg}), oldest line first, bounded. */
    List<String> console();

    /** Each policy kind with its implementations and the active one (per domain where it applies). */
    List<PolicyInfo> policies();

    /**
     * Switches the policy of {@code kind} to the implementation {@code name}, for {@code domain}
     * (null: the system-wide or default choice), live.
     */
    void setPolicy(String domain, String kind, String name);

    /**
     * Every physical interrupt the hypervisor took for a guest, each injected or dropped with a
     * reason (Xen's side of the MSI path: after the machine's own ledger, which ends at the
     * physical interrupt controller). Empty for a hypervisor that keeps none.
     */
    default org.trapdoor.api.irq.InterruptCounters interruptLedger() {
        return new org.trapdoor.api.irq.InterruptCounters();
    }
}
