package org.trapdoor.shell.lspci;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.shell.domain.DomainViews;

/**
 * {@code lspci}: reads config space through each host bridge's bound model (its own config
 * access), or, inside a Xen domain, through the ECAM window the domain sees. BAR sizes
 * come from the guest kernel when one has booted (where Linux's lspci reads them from sysfs).
 */
@Component(service = LspciCommand.class, property = {
        CommandRegistry.FUNCTION + "=lspci"})
public final class LspciCommand {
    private final Machine machine;
    private final AtomicReference<GuestKernel> kernel = new AtomicReference<>();

    /** {@code --domain}: the view from inside a Xen domain (absent in unit tests that need none). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile DomainViews views;

    @Activate
    public LspciCommand(@Reference Machine machine) {
        this.machine = machine;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetKernel")
    void setKernel(GuestKernel k) {
        kernel.set(k);
    }

    void unsetKernel(GuestKernel k) {
        // A greedy replacement is bound before the old one goes: only clear what is ours.
        kernel.compareAndSet(k, null);
    }

    @ShellCommand(usage = {"lspci [--domain NAME] [-n[n]] [-t] [-v[v[v]]] [-D] [-s [[DOMAIN:]BUS:][SLOT][.FUNC]] [-x|-xxx|-xxxx]"}, summary = "the PCI functions as the guest sees them, like pciutils' lspci", group = CommandRegistry.PCI)
    @Descriptor("list PCI functions by reading config space through each host bridge's own config access")
    public LspciResult lspci(
            @Descriptor("options: -n numeric IDs (-nn both), -t tree, -v verbose (-vv more), -x 64 bytes, "
                    + "-xxx 256 bytes, -xxxx 4096 bytes, -D always show domains, "
                    + "-s [[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]] select functions, "
                    + "-d [VENDOR]:[DEVICE][:CLASS] select by IDs (hex, empty or * for any), "
                    + "--domain NAME as that Xen domain sees its PCI") String... args) {
        DomainViews.Split split = DomainViews.split("lspci", args);
        LspciOptions opt = LspciOptions.parse(split.rest());
        List<ConfigImage> found;
        GuestKernel k;
        if (DomainViews.absent(split.domain())) {
            found = read(machine);
            k = kernel.get();
        } else {
            Domain d = viewsOrFail().domain("lspci", split.domain());
            found = read(d.deviceTree(), DomainViews.hostBridges(d.deviceTree()), d.ipaSpace());
            k = d.kernel();
        }
        List<ConfigImage> shown = new ArrayList<>();
        for (ConfigImage f : found) {
            if (opt.selects(f)) {
                shown.add(f);
            }
        }
        return new LspciResult(shown, new LspciFormatter(opt, sizes(k)).format(shown));
    }

    private DomainViews viewsOrFail() {
        DomainViews v = views;
        if (v == null) {
            throw new LspciException("lspci --domain: the shell's domain views are not running");
        }
        return v;
    }

    /**
     * Every function below every host bridge of the machine: through the bound model's own config
     * access (as Linux reads it through the bridge driver's {@code pci_ops}, whatever the bridge's
     * mechanism: ECAM, X-Gene's RTDID indirection, a vendor's), and through the ECAM window in
     * the system address space for a bridge that has no model now (it reads all-ones, counted).
     */
    static List<ConfigImage> read(Machine machine) {
        return read(machine.platform(), machine.hostBridges(), machine.system(), machine::hostBridge);
    }

    /** Every function below the given bridges of {@code tree}, read through {@code space}. */
    static List<ConfigImage> read(DeviceTree tree, List<String> bridges, AddressSpace space) {
        return read(tree, bridges, space, path -> null);
    }

    private static List<ConfigImage> read(DeviceTree tree, List<String> bridges, AddressSpace space,
            java.util.function.Function<String, HostBridge> models) {
        EcamScanner scanner = new EcamScanner(space);
        List<ConfigImage> out = new ArrayList<>();
        int nextSegment = 0;
        for (String path : bridges) {
            DtNode n = tree.node(path);
            if (n == null || !n.isEnabled()) {
                continue;
            }
            int segment = (int) n.u32("linux,pci-domain", nextSegment);
            HostBridge model = models.apply(path);
            if (model != null) {
                nextSegment = Math.max(nextSegment, segment + 1);
                out.addAll(EcamScanner.scan(BridgeConfig.of(path, segment, model)));
                continue;
            }
            EcamHost host = EcamHost.of(n, nextSegment);
            if (host == null) {
                continue;
            }
            nextSegment = Math.max(nextSegment, host.segment() + 1);
            out.addAll(scanner.scan(host));
        }
        out.sort((a, b) -> a.segment() != b.segment() ? Integer.compare(a.segment(), b.segment())
                : Integer.compare(a.bus() << 8 | a.devfn(), b.bus() << 8 | b.devfn()));
        return out;
    }

    static LspciFormatter.BarSizes sizes(GuestKernel k) {
        if (k == null) {
            return LspciFormatter.BarSizes.UNKNOWN;
        }
        List<GuestPciDevice> devices = k.pciDevices();
        return (f, bar) -> {
            for (GuestPciDevice d : devices) {
                if (d.segment() == f.segment() && d.bus() == f.bus() && d.devfn() == f.devfn()) {
                    GuestBar b = d.bar(bar);
                    return b == null ? 0 : b.size();
                }
            }
            return 0;
        };
    }
}
