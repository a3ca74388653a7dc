package org.trapdoor.xen.toolstack;

import java.util.List;
import java.util.Locale;

import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.DomainState;
import org.trapdoor.api.hypervisor.PciAssignment;

/**
 * xl's output, column for column: {@code list_domains} in {@code xl_info.c}, {@code pcilist}
 * and {@code pciassignable_list} in {@code xl_pci.c}, {@code main_dmesg} in {@code xl_misc.c}.
 * Every line ends with a newline, as xl's {@code printf}s do.
 */
public final class XlFormats {
    /** xl's header, tabs included. */
    static final String LIST_HEADER = "Name                                        ID   Mem VCPUs\tState\tTime(s)";

    private XlFormats() {
    }

    /**
     * {@code xl list}: name (40 wide), domid, MiB, vCPUs, the six state letters
     * ({@code r b p s} shutdown-reason {@code d}), CPU seconds with one decimal.
     */
    public static String list(List<Domain> domains) {
        StringBuilder b = new StringBuilder(LIST_HEADER).append('\n');
        for (Domain d : domains) {
            b.append(String.format(Locale.ROOT, "%-40s %5d %5d %5d     %s  %8.1f%n", d.name(), d.id(),
                    d.memoryBytes() >> 20, d.vcpus(), stateLetters(d.state()), d.cpuTimeNanos() / 1e9));
        }
        return b.toString().replace(System.lineSeparator(), "\n");
    }

    /**
     * The six letters of the State column: running, blocked, paused, shutdown, shutdown reason,
     * dying; a dash where the flag is clear. The model's domains are never paused or shut down
     * without being destroyed, so those positions stay dashes.
     */
    static String stateLetters(DomainState state) {
        char[] s = "------".toCharArray();
        switch (state) {
            case RUNNING -> s[0] = 'r';
            case BLOCKED -> s[1] = 'b';
            case DYING -> s[5] = 'd';
            default -> {
                // CREATING and DEAD: no flag set, as xl shows a domain being built or gone
            }
        }
        return new String(s);
    }

    /** {@code xl pci-list}: {@code Vdev Device}, then {@code SS.F SSSS:BB:DD.F} per assigned function. */
    public static String pciList(Domain domain) {
        StringBuilder b = new StringBuilder("Vdev Device\n");
        for (PciAssignment a : domain.pci()) {
            b.append(vdev(a.virtualBdf())).append(' ').append(a.hostBdf()).append('\n');
        }
        return b.toString();
    }

    /** {@code (vdevfn >> 3) & 0x1f} and {@code vdevfn & 7} of a {@code SSSS:BB:DD.F}, as {@code %02x.%01x}. */
    static String vdev(String virtualBdf) {
        int colon = virtualBdf.lastIndexOf(':');
        return virtualBdf.substring(colon + 1);
    }

    /**
     * {@code xl pci-assignable-list}: {@code %04x:%02x:%02x.%01x %s} with the name xl would print
     * after {@code -n}; without a name xl still prints the space.
     */
    public static String assignableList(List<String> bdfs) {
        StringBuilder b = new StringBuilder();
        for (String bdf : bdfs) {
            b.append(bdf).append(" \n");
        }
        return b.toString();
    }

    /** {@code xl dmesg}: the ring's lines as they are. */
    public static String dmesg(List<String> console) {
        StringBuilder b = new StringBuilder();
        for (String line : console) {
            b.append(line).append('\n');
        }
        return b.toString();
    }
}
