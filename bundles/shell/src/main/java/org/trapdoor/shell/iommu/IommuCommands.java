package org.trapdoor.shell.iommu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.shell.command.Bdf;
import org.trapdoor.shell.command.CommandFailure;
import org.trapdoor.shell.domain.DomainViews;
import org.trapdoor.shell.trace.FollowReport;
import org.trapdoor.shell.trace.Follower;

/**
 * The IOMMU commands: {@code iommu}, {@code iommu events [NODE]} and {@code dma}. Each returns a
 * value ({@link IommuListing}, {@link IommuEvents}, {@link DmaReport}); {@link IommuFormatter}
 * renders it. Nodes are read from the {@link Machine} on every call, so a rebind shows at once;
 * the stream set-up and the event queues are read through the guest kernel that drives them.
 * Which nodes are IOMMUs is the machine's answer ({@code #iommu-cells}), and what each is, the
 * bound model's own ({@link Iommu#model()}): a vendor's IOMMU plugin shows as the built-in ones do.
 */
@Component(service = IommuCommands.class, property = {
        CommandRegistry.FUNCTION + "=iommu",
        CommandRegistry.FUNCTION + "=dma"})
public final class IommuCommands {
    /** What {@code iommu} shows as the model of a node with no model bound: there is none to ask. */
    static final String NO_MODEL = "-";

    private final Machine machine;
    private final MachineInterrupts interrupts;
    private final AtomicReference<GuestKernel> kernel = new AtomicReference<>();

    @Activate
    public IommuCommands(@Reference Machine machine, @Reference MachineInterrupts interrupts) {
        this.machine = machine;
        this.interrupts = interrupts;
    }

    /** The IOMMU nodes by path, each with its bound model or null. */
    private Map<String, Iommu> iommus() {
        try {
            return interrupts.iommus();
        } catch (UnsupportedOperationException e) {
            throw new CommandFailure("this machine does not expose its IOMMUs: " + e.getMessage());
        }
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

    @ShellCommand(usage = {"iommu", "iommu events [NODE]"}, summary = "every IOMMU: mode, IOTLB, faults; or the fault records", group = CommandRegistry.IOMMU)
    @Descriptor("show every IOMMU: model, binding, mode (enabled/bypass/abort), IOTLB hits and misses, faults, "
            + "the StreamIDs routed to it and the stream table (STEs or SMR/S2CR) the guest programmed")
    public IommuListing iommu() {
        GuestKernel k = kernel.get();
        List<GuestIommuDomain> domains = k == null ? List.of() : k.iommuDomains();
        DeviceTree tree = machine.platform();
        List<IommuListing.Entry> out = new ArrayList<>();
        Map<String, Iommu> iommus = iommus();
        for (NodeInfo n : machine.nodes()) {
            if (!iommus.containsKey(n.path())) {
                continue;
            }
            Iommu bound = iommus.get(n.path());
            String model = bound == null ? NO_MODEL : bound.model();
            List<GuestIommuDomain> mine = new ArrayList<>();
            for (GuestIommuDomain d : domains) {
                if (d.iommu().equals(n.path())) {
                    mine.add(d);
                }
            }
            mine.sort((a, b) -> Integer.compareUnsigned(a.streamId(), b.streamId()));
            out.add(new IommuListing.Entry(n.path(), model, n.state(), n.driver(),
                    n.summary() == null ? "" : n.summary(), n.problem(), n.upstreamAborts(),
                    IommuTopology.streams(tree, n.path()), mine));
        }
        return new IommuListing(k == null ? null : k.name(), out);
    }

    @Descriptor("iommu events: the fault records read from every IOMMU's event queue or fault registers, "
            + "decoded (event, StreamID, read/write, address, stage, IPA), newest last")
    public IommuEvents iommu(@Descriptor("events") String action) {
        return events(action, null);
    }

    @Descriptor("iommu events NODE: the fault records of one IOMMU, decoded, newest last")
    public IommuEvents iommu(@Descriptor("events") String action,
            @Descriptor("IOMMU node path or label, e.g. /iommu@9050000 or smmu") String node) {
        return events(action, node);
    }

    private IommuEvents events(String action, String node) {
        if (!"events".equals(action)) {
            throw new CommandFailure("iommu " + action + ": unknown action (iommu, iommu events [NODE])");
        }
        String path = null;
        String model = null;
        if (node != null) {
            NodeInfo n = machine.node(node);
            if (n == null) {
                throw new CommandFailure("no node '" + node + "' (give a path such as /iommu@9050000, or a label)");
            }
            Map<String, Iommu> iommus = iommus();
            if (!iommus.containsKey(n.path())) {
                throw new CommandFailure(n.path() + " is not an IOMMU (no #iommu-cells; compatible " + n.compatibles() + ")");
            }
            Iommu bound = iommus.get(n.path());
            model = bound == null ? null : bound.model();
            path = n.path();
        }
        GuestKernel k = kernel.get();
        if (k == null) {
            return new IommuEvents(null, path, List.of());
        }
        List<IommuFault> faults = k.iommuFaults();
        if (path != null) {
            List<IommuTopology.StreamRange> streams = IommuTopology.streams(machine.platform(), path);
            List<IommuFault> mine = new ArrayList<>();
            for (IommuFault f : faults) {
                // Unbound, there is no model to say which records are its: its StreamIDs decide.
                if (IommuTopology.belongs(f, model == null ? IommuTopology.model(f) : model, streams)) {
                    mine.add(f);
                }
            }
            faults = mine;
        }
        return new IommuEvents(k.name(), path, faults);
    }

    /** What the doorbells had seen before the DMA, or null when this machine does not expose its MSI controllers. */
    private static DmaTarget doorbellsBefore(MachineInterrupts mi) {
        try {
            return DmaTarget.before(mi);
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    /** {@code --domain}: the view from inside a Xen domain (absent in unit tests that need none). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile DomainViews views;


    /** {@code dma follow}: the tracing bundle's follower (absent in unit tests that need none). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Follower follower;

    @Descriptor("follow BDF ADDR LENGTH read|write: the same DMA, with every hop it took and what each decided")
    public FollowReport dma(CommandSession session, @Descriptor("follow") String action, @Descriptor("the test endpoint, BB:DD.F") String device,
            @Descriptor("bus address") String address, @Descriptor("bytes to move") String length,
            @Descriptor("read or write") String direction) {
        if (!"follow".equals(action)) {
            throw new CommandFailure("dma: '" + action + "' is not a dma action (follow)");
        }
        Follower f = follower;
        if (f == null) {
            throw new CommandFailure("dma follow: tracing is not running");
        }
        // The session only tells this form from the plain dma's, which has as many words.
        return f.follow("dma follow " + device + " " + address + " " + length + " " + direction,
                () -> "device: " + IommuFormatter.dma(dma("", device, address, length, direction)).strip()
                        .replace("\n", "; "));
    }

    @ShellCommand(usage = {"dma [--domain NAME] BDF ADDR LENGTH read|write", "dma follow BDF ADDR LENGTH read|write"}, summary = "make a test endpoint DMA to or from a bus address", group = CommandRegistry.IOMMU)
    @Descriptor("make a test endpoint DMA to or from a bus address (an IOVA behind an IOMMU) without mapping "
            + "anything, and report the bytes moved or the fault the IOMMU recorded")
    public DmaReport dma(@Descriptor("the Xen domain whose kernel drives the endpoint, by its own BDF "
            + "(default: Dom0, or the bare-metal guest)")
            @Parameter(names = {"--domain"}, absentValue = "") String domain,
            @Descriptor("the test endpoint, [DDDD:]BB:DD.F as lspci shows it") String device,
            @Descriptor("bus address, hex (0x...) or decimal: an IOVA when the device is behind an IOMMU") String address,
            @Descriptor("bytes to move, hex or decimal (at most the endpoint's buffer)") String length,
            @Descriptor("read: the device reads memory; write: the device writes memory") String direction) {
        DmaArgs a;
        try {
            a = DmaArgs.parse(device, address, length, direction);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(Bdf.inMessage(e.getMessage()));
        }
        GuestKernel k = kernel.get();
        DomainViews v = views;
        if (!DomainViews.absent(domain)) {
            if (v == null) {
                throw new CommandFailure("dma --domain: the shell's domain views are not running");
            }
            k = v.kernel("dma", domain, null);
        }
        // Under Xen the guest sees no IOMMU: Xen's SMMU driver counts the domain's stage-2 faults.
        Domain d = v == null ? null : v.domainOrHardware("dma", domain);
        if (k == null) {
            throw new CommandFailure("no guest kernel: boot one first, it drives the endpoint and its IOMMU");
        }
        try {
            List<IommuFault> before = k.iommuFaults();
            MachineInterrupts mi = interrupts;
            DmaTarget target = doorbellsBefore(mi);
            long xenBefore = d == null ? 0 : d.dmaFaults();
            GuestDmaTest r = k.dmaRaw(a.bdf(), a.address(), a.length(), a.toMemory());
            long xenFaults = d == null ? 0 : xenFaultsSince(d, xenBefore, r);
            return new DmaReport(r, IommuTopology.added(before, k.iommuFaults()),
                    target == null ? null : target.after(mi, machine, r), xenFaults, d == null ? null : d.name());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new CommandFailure(Bdf.inMessage(e.getMessage()));
        }
    }

    /** How long a failed DMA waits for Xen to read its fault record back. */
    private static final long XEN_FAULT_WAIT_NANOS = 500_000_000L;

    /**
     * The domain's DMA faults since {@code before}. Xen reads the SMMU's event queue on its
     * tasklet when the event interrupt arrives, after the DMA has already failed (as on hardware:
     * {@code arm_smmu_evtq_thread} runs after the aborted transaction), so a failed DMA waits a
     * bounded time for the count to move before the report is written; a DMA that succeeded
     * raised no event and does not wait.
     */
    private static long xenFaultsSince(Domain d, long before, GuestDmaTest r) {
        long faults = d.dmaFaults() - before;
        long deadline = System.nanoTime() + XEN_FAULT_WAIT_NANOS;
        while (!r.ok() && faults == 0 && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            faults = d.dmaFaults() - before;
        }
        return faults;
    }
}
