package org.trapdoor.shell.xen;

import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.shell.command.CommandFailure;
import org.trapdoor.shell.domain.DomainViews;

/**
 * {@code dmesg [--domain NAME]}: a guest kernel's log. Without {@code --domain} the machine's
 * guest (Dom0 under Xen, the bare-metal kernel otherwise); {@code xl dmesg} is Xen's own console.
 */
@Component(service = DmesgCommand.class, property = {
        CommandRegistry.FUNCTION + "=dmesg"})
public final class DmesgCommand {
    private final AtomicReference<GuestKernel> kernel = new AtomicReference<>();
    private final DomainViews views;

    @org.osgi.service.component.annotations.Activate
    public DmesgCommand(@Reference DomainViews views) {
        this.views = views;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetKernel")
    void setKernel(GuestKernel k) {
        kernel.set(k);
    }

    void unsetKernel(GuestKernel k) {
        kernel.compareAndSet(k, null);
    }

    @ShellCommand(usage = {"dmesg [--domain NAME]"}, summary = "a guest kernel's log (Dom0's under Xen)", group = CommandRegistry.XEN)
    @Descriptor("the guest kernel's log, oldest first (Dom0's under Xen unless --domain names another)")
    public GuestLog dmesg(
            @Descriptor("the domain whose kernel to show (name or domid)")
            @Parameter(names = {"--domain"}, absentValue = "") String domain) {
        GuestKernel k = views.kernel("dmesg", domain, kernel.get());
        if (k == null) {
            throw new CommandFailure("dmesg: no guest kernel has booted");
        }
        return new GuestLog(k.name(), DomainViews.absent(domain) ? null : domain, k.bootLog());
    }
}
