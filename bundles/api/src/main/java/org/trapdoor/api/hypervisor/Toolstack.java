package org.trapdoor.api.hypervisor;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The {@code xl} toolstack's own side: reading configuration files and PCI spec strings as xl
 * does, and rendering xl's output formats. It needs no running hypervisor, so a shell can check
 * a file or print a listing from any {@link Hypervisor}. Bad input throws
 * {@link HypervisorException} with one line in xl's words, naming the file and line where there
 * is one.
 */
@ProviderType
public interface Toolstack {
    /**
     * Reads an xl configuration file ({@code xl.cfg(5)} syntax: {@code name}, {@code memory},
     * {@code vcpus}, {@code pci = [ ... ]} and the {@code pci_*} defaults).
     *
     * @param source the file's name, for messages ({@code guest1.cfg:3: ...})
     * @param text   the file's contents
     */
    DomainConfig readConfig(String source, String text);

    /**
     * Parses a PCI_SPEC_STRING ({@code xl-pci-configuration(5)}), as {@code xl pci-attach} and
     * {@code pci-detach} take it; the message starts {@code malformed PCI_SPEC_STRING "..."}.
     */
    PciSpec parsePciSpec(String spec);

    /**
     * Parses a bare {@code [DDDD:]BB:DD.F}, as {@code xl pci-assignable-add} and {@code -remove}
     * take it; the message starts {@code malformed BDF "..."}. {@link PciSpec#bdf()} gives the
     * canonical {@code SSSS:BB:DD.F}.
     */
    PciSpec parseBdf(String bdf);

    /** {@code xl list}: the header, then one line per domain. */
    String list(List<Domain> domains);

    /** {@code xl pci-list}: {@code Vdev Device}, then one line per assigned function. */
    String pciList(Domain domain);

    /** {@code xl pci-assignable-list}: one line per quarantined function. */
    String assignableList(List<String> bdfs);

    /** {@code xl dmesg}: the console ring, one line each. */
    String dmesg(List<String> console);
}
