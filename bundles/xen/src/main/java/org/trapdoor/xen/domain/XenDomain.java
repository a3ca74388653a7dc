package org.trapdoor.xen.domain;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.guest.GuestInterrupts;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.DomainState;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.xen.mm.DomainAddressSpace;
import org.trapdoor.xen.mm.P2m;

/**
 * One domain as Xen holds it ({@code struct domain}): identity, the machine memory it was given,
 * its stage 2 and IPA space, the device tree its kernel boots on, the interrupts Xen's vGIC gives
 * it, the PCI functions assigned to it and its counters. Built by {@link Dom0Builder} or
 * {@link DomUBuilder}; the parts other subsystems attach (interrupts, kernel, PCI) are set once
 * they exist.
 */
public final class XenDomain implements Domain {
    /** A run of machine frames the domain's RAM occupies (returned to Xen's heap on destroy). */
    public record Extent(long ipa, long machine, long size) {
    }

    private final int id;
    private final String name;
    private final boolean hardware;
    private final int vcpus;
    private final P2m p2m;
    private final DomainAddressSpace ipaSpace;
    private final List<Extent> ram = new CopyOnWriteArrayList<>();
    private final List<PciAssignment> pci = new CopyOnWriteArrayList<>();
    private final EventCounter dmaFaults = new EventCounter();
    private final EventCounter cpuTime = new EventCounter();
    private volatile DomainState state = DomainState.CREATING;
    private volatile DeviceTree tree;
    private volatile GuestInterrupts interrupts;
    private volatile GuestKernel kernel;

    public XenDomain(int id, String name, boolean hardware, int vcpus, P2m p2m, DomainAddressSpace ipaSpace) {
        this.id = id;
        this.name = name;
        this.hardware = hardware;
        this.vcpus = vcpus;
        this.p2m = p2m;
        this.ipaSpace = ipaSpace;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DomainState state() {
        return state;
    }

    public void state(DomainState s) {
        state = s;
    }

    @Override
    public boolean hardwareDomain() {
        return hardware;
    }

    @Override
    public long memoryBytes() {
        long n = 0;
        for (Extent e : ram) {
            n += e.size();
        }
        return n;
    }

    /** The domain's RAM, as (IPA, machine address, size) runs. */
    public List<Extent> ram() {
        return List.copyOf(ram);
    }

    public void addRam(Extent e) {
        ram.add(e);
    }

    /** Forgets the RAM runs (their frames were returned). */
    public void clearRam() {
        ram.clear();
    }

    @Override
    public int vcpus() {
        return vcpus;
    }

    @Override
    public DeviceTree deviceTree() {
        return tree;
    }

    public void deviceTree(DeviceTree t) {
        tree = t;
    }

    @Override
    public DomainAddressSpace ipaSpace() {
        return ipaSpace;
    }

    /** The domain's stage 2, shared by its CPUs and (through the SMMU) its devices. */
    public P2m p2m() {
        return p2m;
    }

    /** The virtual interrupt wiring Xen's vGIC gives the domain, or null before it is attached. */
    public GuestInterrupts interrupts() {
        return interrupts;
    }

    public void interrupts(GuestInterrupts i) {
        interrupts = i;
    }

    @Override
    public GuestKernel kernel() {
        return kernel;
    }

    public void kernel(GuestKernel k) {
        kernel = k;
    }

    @Override
    public List<PciAssignment> pci() {
        return List.copyOf(pci);
    }

    public void addPci(PciAssignment a) {
        pci.add(a);
    }

    public boolean removePci(String hostBdf) {
        return pci.removeIf(a -> a.hostBdf().equals(hostBdf));
    }

    @Override
    public long stage2Aborts() {
        return ipaSpace.stage2Aborts();
    }

    @Override
    public long trapAborts() {
        return ipaSpace.trapAborts();
    }

    /** Counts a DMA of one of the domain's devices that faulted at stage 2 in the IOMMU (hot path: no allocation). */
    public void dmaFault() {
        dmaFaults.increment();
    }

    @Override
    public long dmaFaults() {
        return dmaFaults.sum();
    }

    /**
     * Where the time the domain's vCPUs run guest code is added, in nanoseconds: its kernel's boot
     * and each call of its interrupt handlers on a vCPU (the vGIC times them). Xen's own work on
     * the domain's behalf (trapped accesses, hypercalls) is inside those calls, as a vCPU's
     * {@code runstate} counts time in the hypervisor as running too.
     */
    public EventCounter cpuTime() {
        return cpuTime;
    }

    @Override
    public long cpuTimeNanos() {
        return cpuTime.sum();
    }

    @Override
    public String toString() {
        return "d" + id + " (" + name + ")";
    }
}
