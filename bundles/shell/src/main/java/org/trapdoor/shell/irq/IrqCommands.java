package org.trapdoor.shell.irq;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.ItsInspectable;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.shell.command.CommandFailure;
import org.trapdoor.shell.UnboundBridges;
import org.trapdoor.shell.domain.DomainViews;
import org.trapdoor.shell.trace.FollowReport;
import org.trapdoor.shell.trace.Follower;

/**
 * The interrupt commands: {@code msi}, {@code irq}, {@code stats}, {@code traffic}, {@code its}.
 * Each returns a value ({@link MsiListing}, {@link IrqListing}, {@link LedgerStats},
 * {@link TrafficReport}, {@link ItsListing}); {@link IrqFormatter} renders it. Models are looked up
 * through {@link MachineInterrupts} on every call, so a swapped controller shows at once.
 */
@Component(service = IrqCommands.class, property = {
        CommandRegistry.FUNCTION + "=msi",
        CommandRegistry.FUNCTION + "=irq",
        CommandRegistry.FUNCTION + "=stats",
        CommandRegistry.FUNCTION + "=traffic",
        CommandRegistry.FUNCTION + "=its"})
public final class IrqCommands {
    private final Machine machine;
    private final MachineInterrupts interrupts;
    private final AtomicReference<GuestKernel> kernel = new AtomicReference<>();

    @Activate
    public IrqCommands(@Reference Machine machine, @Reference MachineInterrupts interrupts) {
        this.machine = machine;
        this.interrupts = interrupts;
    }

    /** A burst or background traffic started from the shell ends with the shell. */
    @Deactivate
    void deactivate() {
        interrupts.traffic().stop();
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

    /** {@code --domain}: the view from inside a Xen domain (absent in unit tests that need none). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile DomainViews views;

    /** The machine's guest, or with {@code --domain} that domain's kernel. */
    private GuestKernel kernel(String command, String domain) {
        if (DomainViews.absent(domain)) {
            return kernel.get();
        }
        DomainViews v = views;
        if (v == null) {
            throw new CommandFailure(command + " --domain: the shell's domain views are not running");
        }
        return v.kernel(command, domain, null);
    }


    /** {@code msi follow}: the tracing bundle's follower (absent in unit tests that need none). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Follower follower;

    @Descriptor("follow BDF VECTOR: raise one MSI and print every hop it took with what each decided, "
            + "ending with the ledger line it went into")
    public FollowReport msi(@Descriptor("follow") String action, @Descriptor("the function, BB:DD.F") String bdf,
            @Descriptor("the vector to raise") int vector) {
        if (!"follow".equals(action)) {
            throw new CommandFailure("msi: '" + action + "' is not an msi action (follow)");
        }
        Follower f = follower;
        if (f == null) {
            throw new CommandFailure("msi follow: tracing is not running");
        }
        return f.msi(bdf, vector);
    }

    @ShellCommand(usage = {"msi [--domain NAME]", "msi follow BDF VECTOR"}, summary = "the MSI and MSI-X vectors the guest programmed", group = CommandRegistry.INTERRUPTS)
    @Descriptor("list the MSI and MSI-X vectors the guest programmed, one line each: "
            + "BDF vector=N address=0x.. data=0x.. target=LPI n|SPI n count=N mode=MSI|MSI-X masked=yes|no")
    public MsiListing msi(@Descriptor("the Xen domain whose kernel to ask (default: Dom0, or the bare-metal guest)")
            @Parameter(names = {"--domain"}, absentValue = "") String domain) {
        GuestKernel k = kernel("msi", domain);
        return k == null ? new MsiListing(null, List.of()) : new MsiListing(k.name(), k.msiVectors());
    }

    @ShellCommand(usage = {"irq [--domain NAME]"}, summary = "interrupt counts per INTID and CPU, like /proc/interrupts", group = CommandRegistry.INTERRUPTS)
    @Descriptor("interrupts per INTID like /proc/interrupts: handled by the guest (in all and per CPU), "
            + "made pending by the GIC, controller, and the device vector it belongs to")
    public IrqListing irq(@Descriptor("the Xen domain whose kernel to ask (default: Dom0, or the bare-metal guest)")
            @Parameter(names = {"--domain"}, absentValue = "") String domain) {
        GuestKernel k = kernel("irq", domain);
        String rootPath = interrupts.rootInterruptController();
        // Inside a domain the physical GIC's pending counts are Xen's, not the domain's to see.
        InterruptController root = rootPath == null || !DomainViews.absent(domain) ? null
                : interrupts.interruptControllers().get(rootPath);
        if (k == null) {
            return new IrqListing(null, rootPath, List.of());
        }
        Map<Integer, String> viaMsi = new HashMap<>();
        for (GuestMsiVector v : k.msiVectors()) {
            viaMsi.putIfAbsent(v.intid(), v.controller());
        }
        List<IrqListing.Line> lines = new ArrayList<>();
        Map<String, MsiController> msiModels = DomainViews.absent(domain) ? interrupts.msiControllers() : Map.of();
        for (GuestIrqCount c : k.interruptCounts()) {
            String controller = viaMsi.getOrDefault(c.intid(), rootPath == null ? "-" : rootPath);
            String type = c.type();
            MsiController model = viaMsi.containsKey(c.intid()) ? msiModels.get(controller) : null;
            if (model != null && model.delivery() == MsiController.Delivery.CHAINED) {
                // The kernel numbers a chained controller's vectors past the GIC's INTIDs (Linux
                // virqs); by number alone they look like LPIs. The bound model says what they are.
                type = "MSI";
            }
            long pended = root == null || type.equals("MSI") ? -1 : root.deliveries(c.intid());
            lines.add(new IrqListing.Line(c.intid(), type, c.count(), pended, controller, c.owner(), c.perCpu()));
        }
        return new IrqListing(k.name(), rootPath, lines);
    }

    @ShellCommand(usage = {"stats"}, summary = "the MSI ledger: fired, delivered, dropped by reason", group = CommandRegistry.INTERRUPTS)
    @Descriptor("the machine's MSI ledger: 'fired=N delivered=N dropped=N', then the drops by reason")
    public LedgerStats stats() {
        return new LedgerStats(interrupts.msiLedger().snapshot(), UnboundBridges.notes(machine));
    }

    @ShellCommand(usage = {"traffic [status]", "traffic start [RATE|max] [DEVICES]", "traffic stop", "traffic run COUNT [DEVICES]"}, summary = "raise MSIs: in the background at RATE in all, or a counted burst", group = CommandRegistry.INTERRUPTS)
    @Descriptor("show the MSI traffic generator's state")
    public TrafficReport traffic() {
        return new TrafficReport("status", List.of(), interrupts.traffic().status(), null);
    }

    @Descriptor("traffic start: raise MSIs in the background, " + TrafficArgs.DEFAULT_RATE
            + "/s in all, spread over every device; traffic stop: stop it (or a burst); traffic status")
    public TrafficReport traffic(@Descriptor("start, stop or status") String action) {
        return traffic(action, List.of());
    }

    @Descriptor("traffic start RATE|DEVICES, or traffic run COUNT (over every device)")
    public TrafficReport traffic(@Descriptor("start or run") String action,
            @Descriptor("start: RATE per second (or 'max') or DEVICES; run: COUNT") String arg) {
        return traffic(action, List.of(arg));
    }

    @Descriptor("traffic start RATE DEVICES, or traffic run COUNT DEVICES")
    public TrafficReport traffic(@Descriptor("start or run") String action,
            @Descriptor("start: RATE per second, or 'max'; run: COUNT") String arg,
            @Descriptor("DEVICES: 'all' or a comma list of functions [DDDD:]BB:DD.F") String devices) {
        return traffic(action, List.of(arg, devices));
    }

    private TrafficReport traffic(String action, List<String> args) {
        Traffic t = interrupts.traffic();
        try {
            switch (action) {
                case "status" -> {
                    noArgs(action, args);
                    return traffic();
                }
                case "stop" -> {
                    noArgs(action, args);
                    t.stop();
                    return new TrafficReport("stop", List.of(), t.status(), null);
                }
                case "start" -> {
                    TrafficArgs a = TrafficArgs.start(args);
                    List<MsiSource> chosen = a.select(interrupts.msiSources(), this::located);
                    t.start(a.rate(), chosen);
                    return new TrafficReport("start", names(chosen), t.status(), null);
                }
                case "run" -> {
                    if (args.isEmpty()) {
                        throw new IllegalArgumentException("traffic run needs COUNT: traffic run COUNT [DEVICES]");
                    }
                    long count = TrafficArgs.count(args.get(0));
                    TrafficArgs a = new TrafficArgs(0, args.size() > 1 ? TrafficArgs.devices(args.get(1)) : null);
                    List<MsiSource> chosen = a.select(interrupts.msiSources(), this::located);
                    InterruptCounters ledger = interrupts.msiLedger();
                    InterruptCounters.Snapshot before = ledger.snapshot();
                    Traffic.Status s = TrafficBurst.run(t, count, chosen, System.err);
                    return new TrafficReport("run", names(chosen), s, difference(before, ledger.snapshot()), count);
                }
                default -> throw new IllegalArgumentException("traffic " + action
                        + ": unknown action (start [RATE] [DEVICES], stop, run COUNT [DEVICES], status)");
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            // The shell names the command line already; the message says what is wrong with it.
            throw new CommandFailure(e.getMessage());
        }
    }

    private static void noArgs(String action, List<String> args) {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("takes no arguments");
        }
    }

    private List<String> names(List<MsiSource> sources) {
        List<String> out = new ArrayList<>();
        for (MsiSource s : sources) {
            out.add(TrafficArgs.rid(located(s.requesterId())));
        }
        return out;
    }

    /**
     * Where the function with requester ID {@code rid} sits as lspci shows it: the bridge model it
     * is attached to says (behind a root port its requester ID keeps the machine's root bus, while
     * it answers on the port's secondary bus). The ID itself when the machine cannot place it
     * (unplugged, attached to two segments' same bus, or not reachable yet).
     */
    int located(int rid) {
        String bridge = null;
        for (PciDeviceInfo d : machine.pciDevices()) {
            if ((d.bus() << 8 | d.devfn()) == rid) {
                if (bridge != null) {
                    return rid;
                }
                bridge = d.bridgePath();
            }
        }
        HostBridge b = bridge == null ? null : machine.hostBridge(bridge);
        int at = b == null ? -1 : b.configRequesterId(rid);
        return at < 0 ? rid : at;
    }

    /** How the ledger moved from {@code a} to {@code b}. */
    static InterruptCounters.Snapshot difference(InterruptCounters.Snapshot a, InterruptCounters.Snapshot b) {
        Map<DropReason, Long> by = new EnumMap<>(DropReason.class);
        long dropped = 0;
        for (Map.Entry<DropReason, Long> e : b.byReason().entrySet()) {
            long n = e.getValue() - a.byReason().getOrDefault(e.getKey(), 0L);
            if (n != 0) {
                by.put(e.getKey(), n);
                dropped += n;
            }
        }
        long delivered = b.delivered() - a.delivered();
        return new InterruptCounters.Snapshot(delivered + dropped, delivered, dropped, by);
    }

    @ShellCommand(usage = {"its [NODE]"}, summary = "an ITS's registers, command queue, device and collection tables", group = CommandRegistry.INTERRUPTS)
    @Descriptor("show every ITS: registers, command queue, tables, mapped devices, events and collections")
    public ItsListing its() {
        List<ItsListing.Entry> out = new ArrayList<>();
        for (Map.Entry<String, MsiController> e : interrupts.msiControllers().entrySet()) {
            // The bound model says whether it is an ITS (it can be inspected as one), whatever its
            // compatible: a vendor's shows as the built-in one does. An unbound node has no model
            // to ask, and is listed as such.
            if (e.getValue() == null || e.getValue() instanceof ItsInspectable) {
                out.add(entry(e.getKey(), e.getValue()));
            }
        }
        if (out.isEmpty()) {
            throw new CommandFailure("no ITS on this platform (MSI controllers: "
                    + (interrupts.msiControllers().isEmpty() ? "none" : String.join(", ",
                            interrupts.msiControllers().keySet())) + ")");
        }
        return new ItsListing(out);
    }

    @Descriptor("show one ITS: registers, command queue, tables, mapped devices, events and collections")
    public ItsListing its(
            @Descriptor("ITS node path or label, e.g. /intc@8000000/msi-controller@8080000") String node) {
        NodeInfo n = machine.node(node);
        if (n == null) {
            throw new CommandFailure("no node '" + node
                    + "' (give a path such as /intc@8000000/msi-controller@8080000, or a label)");
        }
        Map<String, MsiController> msi = interrupts.msiControllers();
        if (!msi.containsKey(n.path())) {
            throw new CommandFailure(n.path() + " is not an MSI controller");
        }
        return new ItsListing(List.of(entry(n.path(), msi.get(n.path()))));
    }

    private static ItsListing.Entry entry(String path, MsiController model) {
        if (model == null) {
            return new ItsListing.Entry(path, null, "unbound: no model serves it");
        }
        if (model instanceof ItsInspectable i) {
            return new ItsListing.Entry(path, i.inspect(), null, model.summary());
        }
        return new ItsListing.Entry(path, null, "its model cannot be inspected (" + model.description() + ")");
    }
}
