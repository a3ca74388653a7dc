package org.trapdoor.api.hypervisor;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.memory.AddressSpace;

/** One domain: its identity, resources, the tree and address space its kernel runs on. */
@ProviderType
public interface Domain {
    int id();

    String name();

    DomainState state();

    /** True for Dom0, the hardware domain. */
    boolean hardwareDomain();

    /** RAM given to the domain, in bytes. */
    long memoryBytes();

    int vcpus();

    /** The device tree the domain's kernel was given. */
    DeviceTree deviceTree();

    /**
     * The domain's view of memory (intermediate physical addresses): stage 2 for what is mapped,
     * the hypervisor's trap handlers for what is emulated, a counted stage-2 abort for the rest.
     */
    AddressSpace ipaSpace();

    /** The kernel running in the domain, or null while it boots or after it failed to. */
    GuestKernel kernel();

    /** PCI functions assigned to the domain (empty for Dom0, which owns the rest). */
    List<PciAssignment> pci();

    /** Stage-2 aborts taken by the domain's CPUs (accesses to IPAs neither mapped nor emulated). */
    long stage2Aborts();

    /** DMA of the domain's devices that faulted at stage 2 in the IOMMU. */
    long dmaFaults();

    /**
     * Trapped accesses the hypervisor's emulation refused (a vPCI access of a size or alignment
     * the ECAM does not have, ...): each a data abort injected into the guest. 0 from a
     * hypervisor that does not count them. Since 1.4.
     */
    default long trapAborts() {
        return 0;
    }

    /**
     * CPU time the domain's vCPUs have run, in nanoseconds ({@code xl list}'s Time(s) column); 0
     * from a hypervisor that does not account it.
     */
    default long cpuTimeNanos() {
        return 0;
    }
}
