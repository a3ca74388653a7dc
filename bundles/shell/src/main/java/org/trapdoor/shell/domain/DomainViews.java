package org.trapdoor.shell.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.memory.AddressSpace;

/**
 * The view from inside a domain, for the commands that take {@code --domain NAME}: the domain's
 * kernel, its IPA space and its device tree. Without {@code --domain} a command keeps its own
 * default (under Xen the machine's {@code GuestKernel} service is Dom0's). On a machine without
 * a hypervisor {@code --domain} is refused: there is only the machine.
 */
@Component(service = DomainViews.class)
public final class DomainViews {
    private final AtomicReference<Hypervisor> hypervisor = new AtomicReference<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetHypervisor")
    public void setHypervisor(Hypervisor h) {
        hypervisor.set(h);
    }

    public void unsetHypervisor(Hypervisor h) {
        hypervisor.compareAndSet(h, null);
    }

    /**
     * The one message for a Xen command when no hypervisor service is there: on a machine
     * configured without one, that it runs bare metal; on one configured for a hypervisor (the
     * machine service's {@code hypervisor} property), that it is not up yet or failed to boot.
     */
    public static String noHypervisor(String command) {
        String configured = configuredHypervisor();
        if (configured != null && !"none".equals(configured)) {
            return command + ": " + configured + " is not running: it has not finished booting Dom0 yet, or it failed to "
                    + "boot (the log says why)";
        }
        return command + ": there is no hypervisor: the machine runs bare metal (--hypervisor none), so there are "
                + "no domains";
    }

    /** The machine service's {@code hypervisor} property, or null (no machine, or outside a framework). */
    private static String configuredHypervisor() {
        org.osgi.framework.Bundle b = org.osgi.framework.FrameworkUtil.getBundle(DomainViews.class);
        org.osgi.framework.BundleContext c = b == null ? null : b.getBundleContext();
        if (c == null) {
            return null;
        }
        try {
            org.osgi.framework.ServiceReference<?>[] refs = c.getServiceReferences(
                    "org.trapdoor.api.machine.Machine", null);
            if (refs != null) {
                for (org.osgi.framework.ServiceReference<?> r : refs) {
                    if (r.getProperty("hypervisor") instanceof String h) {
                        return h;
                    }
                }
            }
        } catch (org.osgi.framework.InvalidSyntaxException | IllegalStateException e) {
            return null;
        }
        return null;
    }

    /** True when {@code --domain} was not given (Gogo's absent value is the empty string). */
    public static boolean absent(String domain) {
        return domain == null || domain.isEmpty();
    }

    /**
     * {@code --domain NAME} taken out of a command's free arguments (for commands that parse their
     * own options, like {@code lspci}): the name ({@code ""} when absent) and the rest in order.
     */
    public record Split(String domain, String[] rest) {
    }

    public static Split split(String command, String... args) {
        List<String> rest = new ArrayList<>();
        String domain = "";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--domain")) {
                if (i + 1 >= args.length) {
                    throw new DomainViewException(command + ": --domain needs a domain name or id");
                }
                domain = args[++i];
            } else if (args[i].startsWith("--domain=")) {
                domain = args[i].substring("--domain=".length());
            } else {
                rest.add(args[i]);
            }
        }
        return new Split(domain, rest.toArray(new String[0]));
    }

    /**
     * The host bridges a domain's tree describes: enabled nodes with {@code device_type = "pci"}
     * that are not below another one (Dom0's are the host's; a DomU's is libxl's vPCI node).
     */
    public static List<String> hostBridges(DeviceTree tree) {
        List<String> out = new ArrayList<>();
        for (DtNode n : tree.nodes()) {
            if (isPci(n) && n.isEnabled() && (n.parent() == null || !isPci(n.parent()))) {
                out.add(n.path());
            }
        }
        return out;
    }

    private static boolean isPci(DtNode n) {
        DtProperty t = n.property("device_type");
        return t != null && "pci".equals(t.string());
    }

    /** The named domain (name or domid); a command failure naming the command if there is none. */
    public Domain domain(String command, String name) {
        Hypervisor hv = hypervisor.get();
        if (hv == null) {
            throw new DomainViewException(noHypervisor(command + " --domain"));
        }
        return hv.domain(name).orElseThrow(() -> new DomainViewException(command + " --domain: " + name
                + " is an invalid domain identifier (xl list shows the domains)"));
    }

    /**
     * The named domain, or without {@code --domain} the hardware domain when a hypervisor runs (the
     * default view under Xen); null on bare metal.
     */
    public Domain domainOrHardware(String command, String name) {
        if (!absent(name)) {
            return domain(command, name);
        }
        Hypervisor hv = hypervisor.get();
        return hv == null ? null : hv.hardwareDomain();
    }

    /** The kernel of the named domain, or {@code dflt} without {@code --domain}. */
    public GuestKernel kernel(String command, String name, GuestKernel dflt) {
        if (absent(name)) {
            return dflt;
        }
        Domain d = domain(command, name);
        GuestKernel k = d.kernel();
        if (k == null) {
            throw new DomainViewException(command + " --domain: " + d.name() + "'s kernel has not booted");
        }
        return k;
    }

    /** The named domain's IPA space (stage 2 and Xen's traps), or {@code dflt}. */
    public AddressSpace space(String command, String name, AddressSpace dflt) {
        return absent(name) ? dflt : domain(command, name).ipaSpace();
    }

    /** The device tree the named domain's kernel was given, or {@code dflt}. */
    public DeviceTree tree(String command, String name, DeviceTree dflt) {
        return absent(name) ? dflt : domain(command, name).deviceTree();
    }
}
