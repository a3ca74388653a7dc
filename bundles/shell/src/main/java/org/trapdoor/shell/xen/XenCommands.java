package org.trapdoor.shell.xen;

import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.shell.command.CommandFailure;

/**
 * {@code xen}: the hypervisor's view of the hardware (host bridges with segment and owner policy,
 * every PCI function with its owner and IOMMU context, per-domain abort counts), and
 * {@code policy} / {@code policy set [DOMAIN] KIND NAME}: the choices upstream left open.
 */
@Component(service = XenCommands.class, property = {
        CommandRegistry.FUNCTION + "=xen",
        CommandRegistry.FUNCTION + "=policy"})
public final class XenCommands {
    private final AtomicReference<Hypervisor> hypervisor = new AtomicReference<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetHypervisor")
    void setHypervisor(Hypervisor h) {
        hypervisor.set(h);
    }

    void unsetHypervisor(Hypervisor h) {
        hypervisor.compareAndSet(h, null);
    }

    @ShellCommand(usage = {"xen"}, summary = "the hypervisor's view: host bridges, functions and owners, aborts", group = CommandRegistry.XEN)
    @Descriptor("the hypervisor's view: host bridges (segment, owner policy, ready), every PCI function with its "
            + "owner (Domain-0, a DomU, dom_io) and IOMMU context, and per-domain stage-2 aborts, refused trapped "
            + "accesses (data aborts injected) and DMA faults")
    public XenStatus xen() {
        Hypervisor hv = hv("xen");
        return new XenStatus(hv.version(), hv.hostBridges(), hv.pciDevices(), hv.domains());
    }

    @ShellCommand(usage = {"policy", "policy set [DOMAIN] KIND NAME"}, summary = "the hypervisor's policies: list them, or choose one", group = CommandRegistry.XEN)
    @Descriptor("list each policy kind: the implementations registered, the active one (per domain where it "
            + "applies) and the fallback; 'policy set [DOMAIN] KIND NAME' switches one live")
    public PolicyListing policy(@Descriptor("nothing, or: set [DOMAIN] KIND NAME") String... args) {
        Hypervisor hv = hv("policy");
        if (args.length == 0) {
            return new PolicyListing(hv.policies(), null);
        }
        if (!args[0].equals("set") || args.length < 3 || args.length > 4) {
            throw new CommandFailure("Usage: policy  |  policy set [DOMAIN] KIND NAME");
        }
        String domain = args.length == 4 ? args[1] : null;
        String kind = args[args.length - 2];
        String name = args[args.length - 1];
        if (hv.policies().stream().map(PolicyInfo::kind).noneMatch(kind::equals)) {
            throw new CommandFailure("policy set: no policy kind '" + kind + "' (policy lists them)");
        }
        try {
            hv.setPolicy(domain, kind, name);
        } catch (HypervisorException e) {
            throw new CommandFailure("policy set: " + e.getMessage());
        }
        return new PolicyListing(hv.policies(), kind + (domain == null ? "" : " for " + domain) + " is now " + name);
    }

    private Hypervisor hv(String command) {
        Hypervisor hv = hypervisor.get();
        if (hv == null) {
            throw NoHypervisor.failure(command);
        }
        return hv;
    }
}
