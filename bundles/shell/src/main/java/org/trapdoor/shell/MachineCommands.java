package org.trapdoor.shell;

import org.trapdoor.shell.command.CommandFailure;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.trapdoor.api.dt.DeviceTreeLoader;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.shell.domain.DomainViews;

/**
 * The machine commands: {@code platform}, {@code drivers}, {@code bind}, {@code unbind},
 * {@code mem}. Each returns a value ({@link PlatformListing}, {@link DriverListing},
 * {@link NodeInfo}, {@link MemAccess}); {@link ShellConverter} renders it.
 */
@Component(service = MachineCommands.class, property = {
        CommandRegistry.FUNCTION + "=platform",
        CommandRegistry.FUNCTION + "=drivers",
        CommandRegistry.FUNCTION + "=bind",
        CommandRegistry.FUNCTION + "=unbind",
        CommandRegistry.FUNCTION + "=mem"})
public final class MachineCommands {
    /** How long a bind or unbind waits for the guest to act on it (re-probing its MSIs takes milliseconds). */
    static final long GUEST_SETTLE_MILLIS = 10_000;

    private final Machine machine;
    private final DeviceTreeLoader loader;
    private volatile GuestKernel guest;

    @Activate
    public MachineCommands(@Reference Machine machine, @Reference DeviceTreeLoader loader) {
        this.machine = machine;
        this.loader = loader;
    }

    /** The guest running on the machine, if any: a bind returns once it has acted on the swap. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, unbind = "unsetGuest")
    void setGuest(GuestKernel g) {
        guest = g;
    }

    void unsetGuest(GuestKernel g) {
        if (guest == g) {
            guest = null;
        }
    }

    /**
     * A guest hears of an MSI-controller swap from the machine and re-probes on its own thread;
     * the next command (a traffic run, {@code msi}) should see the set-up it arrived at.
     */
    private void settleGuest() {
        GuestKernel g = guest;
        if (g == null) {
            return;
        }
        try {
            g.awaitMsiSettled(GUEST_SETTLE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @ShellCommand(usage = {"platform", "platform --dts [--domain NAME]"}, summary = "the device-tree nodes: path, compatible, reg, driver, state", group = CommandRegistry.MACHINE)
    @Descriptor("list the platform's device-tree nodes: path, compatible, reg, driver and binding state")
    public Object platform(
            @Descriptor("print the platform as device-tree source instead")
            @Parameter(names = {"-d", "--dts"}, presentValue = "true", absentValue = "false") boolean dts,
            @Descriptor("with --dts: the tree the Xen domain's kernel was given")
            @Parameter(names = {"--domain"}, absentValue = "") String domain) {
        if (!DomainViews.absent(domain)) {
            if (!dts) {
                throw new CommandFailure("platform --domain needs --dts: the node listing is the machine's");
            }
            return loader.toDts(views("platform").tree("platform", domain, null));
        }
        if (dts) {
            return loader.toDts(machine.platform());
        }
        return new PlatformListing(machine.platform().source(), machine.nodes());
    }

    @ShellCommand(usage = {"drivers"}, summary = "the hardware drivers: name, compatible, ranking, bundle, bound nodes", group = CommandRegistry.MACHINE)
    @Descriptor("list the hardware drivers: name, compatible strings, ranking, bundle, bound nodes")
    public DriverListing drivers() {
        return new DriverListing(machine.drivers());
    }

    @ShellCommand(usage = {"bind [--force] NODE DRIVER", "bind NODE"}, summary = "pin a node to a driver / return it to automatic binding", group = CommandRegistry.MACHINE)
    @Descriptor("bind a node to a driver, replacing its model; the choice sticks until unbind. All or nothing: "
            + "a bind that fails keeps the node's model")
    public NodeInfo bind(
            @Descriptor("also bind a driver that handles none of the node's compatible strings: it becomes other "
                    + "hardware at the node's addresses, started from reset")
            @Parameter(names = {"-f", "--force"}, presentValue = "true", absentValue = "false") boolean force,
            @Descriptor("node path or label, e.g. /pcie@10000000") String node,
            @Descriptor("driver name, as listed by 'drivers'") String driver) {
        NodeInfo before = existing(node);
        if (!force) {
            refuseForeign(before, driver);
        }
        try {
            machine.bind(before.path(), driver);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
        settleGuest();
        return machine.node(before.path());
    }

    /**
     * Refuses a driver that handles none of the node's compatible strings, as Linux never binds
     * one: the model would be other hardware at the node's addresses, which only {@code --force}
     * asks for. An unknown driver is left for the machine to name.
     */
    private void refuseForeign(NodeInfo node, String driver) {
        List<DriverInfo> named = machine.drivers().stream().filter(d -> d.name().equals(driver)).toList();
        if (named.isEmpty() || named.stream().anyMatch(d -> d.compatibles().stream().anyMatch(node.compatibles()::contains))) {
            return;
        }
        List<String> handles = named.stream().flatMap(d -> d.compatibles().stream()).distinct().toList();
        throw new CommandFailure(driver + " does not drive " + node.path() + ": the node is "
                + (node.compatibles().isEmpty() ? "compatible with nothing" : "compatible with "
                        + String.join(", ", node.compatibles()))
                + ", " + driver + " handles " + String.join(", ", handles)
                + " (bind --force makes it other hardware at that address, started from reset)");
    }

    @Descriptor("return a node to automatic binding (best driver by compatible and ranking)")
    public NodeInfo bind(@Descriptor("node path or label") String node) {
        NodeInfo before = existing(node);
        try {
            machine.autoBind(before.path());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
        settleGuest();
        return machine.node(before.path());
    }

    @ShellCommand(usage = {"unbind NODE"}, summary = "unbind a node: all-ones reads, dropped writes, counted", group = CommandRegistry.MACHINE)
    @Descriptor("unbind a node: it answers all-ones, drops writes and counts them until bound again")
    public Object unbind(@Descriptor("node path or label") String node) {
        NodeInfo before = existing(node);
        if (before.state() != NodeState.BOUND) {
            // Nothing to take away: say so rather than print a state that did not change.
            return before.path() + ": " + (before.state() == NodeState.DISABLED ? "disabled in the device tree"
                    : before.summary().equals("RAM") ? "RAM, mapped by the machine itself, not bound to a driver"
                            : "not bound") + ", nothing to do";
        }
        try {
            machine.unbind(before.path());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
        settleGuest();
        return machine.node(before.path());
    }

    /** {@code --domain}: the view from inside a Xen domain (absent in unit tests that need none). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile DomainViews views;

    private DomainViews views(String command) {
        DomainViews v = views;
        if (v == null) {
            throw new CommandFailure(command + " --domain: the shell's domain views are not running");
        }
        return v;
    }

    private static final String DOMAIN_HELP = "access the Xen domain's IPA space instead (stage 2 and Xen's traps)";


    @ShellCommand(usage = {"mem [--domain NAME] read ADDR [SIZE]", "mem [--domain NAME] write ADDR VALUE [SIZE]"}, summary = "a CPU access to the system address space (size 1, 2, 4 or 8)", group = CommandRegistry.MACHINE)
    @Descriptor("read physical memory: mem read ADDR [SIZE] (size 1, 2, 4 or 8 bytes; default 4)")
    public MemAccess mem(@Descriptor(DOMAIN_HELP) @Parameter(names = {"--domain"}, absentValue = "") String domain,
            @Descriptor("read") String op, @Descriptor("physical address, hex (0x...) or decimal") String address) {
        return access(domain, op, List.of(address));
    }

    @Descriptor("mem read ADDR SIZE, or mem write ADDR VALUE (4 bytes)")
    public MemAccess mem(@Descriptor(DOMAIN_HELP) @Parameter(names = {"--domain"}, absentValue = "") String domain,
            @Descriptor("read or write") String op,
            @Descriptor("physical address, hex (0x...) or decimal") String address,
            @Descriptor("SIZE for read, VALUE for write") String sizeOrValue) {
        return access(domain, op, List.of(address, sizeOrValue));
    }

    @Descriptor("write physical memory: mem write ADDR VALUE SIZE")
    public MemAccess mem(@Descriptor(DOMAIN_HELP) @Parameter(names = {"--domain"}, absentValue = "") String domain,
            @Descriptor("write") String op,
            @Descriptor("physical address, hex (0x...) or decimal") String address,
            @Descriptor("value, hex or decimal") String value,
            @Descriptor("access size in bytes: 1, 2, 4 or 8") String size) {
        return access(domain, op, List.of(address, value, size));
    }

    private MemAccess access(String domain, String op, List<String> args) {
        MemRequest req;
        try {
            req = MemRequest.parse(op, args);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
        if (!DomainViews.absent(domain)) {
            return perform(views("mem").space("mem", domain, null), req);
        }
        return perform(machine.system(), req);
    }

    /** Performs the access on an address space (the machine's, or a domain's IPA space) as a CPU would. */
    static MemAccess perform(AddressSpace space, MemRequest req) {
        MemoryTransaction tx = req.transaction();
        space.access(tx);
        return new MemAccess(req.write(), req.address(), req.size(), req.write() ? req.value() : tx.data, tx.result);
    }

    private NodeInfo existing(String node) {
        NodeInfo n = machine.node(node);
        if (n == null) {
            throw new CommandFailure("no node '" + node + "' (give a path such as /pcie@10000000, or a label)");
        }
        return n;
    }
}
