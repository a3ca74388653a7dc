package org.trapdoor.benchmarks;

import java.util.List;

import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.guest.LinuxKernelFactory;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.policy.domumsinone.DomuMsiNonePolicy;
import org.trapdoor.policy.domumsitrapremap.DomuMsiTrapRemapPolicy;
import org.trapdoor.policy.domumsivits.DomuMsiVitsPolicy;
import org.trapdoor.xen.VirtualInterrupts;
import org.trapdoor.xen.Xen;
import org.trapdoor.xen.component.XenComponent;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.irq.XenInterrupts;
import org.trapdoor.xen.passthrough.PciSubsystem;

/**
 * Xen with Dom0 and a DomU {@code guest1} on the composed {@code virt} machine (real ECAM, GICv3,
 * ITS and SMMUv3; the SMMU is Xen's: the DomU's device translates through its stage 2), host
 * 00:02.0 ({@code testdev,msi=4}) passed through to the DomU under one {@code domu-msi} policy,
 * wired as {@link XenComponent} wires it with the real policy bundles' classes. The Linux-like
 * kernel in every domain; the DomU's kernel probes its vPCI bus and its MSI controller (the vITS
 * or the v2m-style frame) and programs the device's four MSI vectors itself. One raise is the
 * device's MSI write &rarr; SMMU stage 2 &rarr; host ITS (Xen's tables) &rarr; GICv3 &rarr; Xen's
 * IRQ handler &rarr; the DomU's vGIC (an LPI under {@code vits}, the guest's SPI under
 * {@code trap-remap}) &rarr; the DomU kernel's handler.
 */
final class DomUMsiRig implements AutoCloseable {
    static final String HOST_BDF = "0000:00:02.0";
    static final int HOST_RID = 0x10;

    final ComposedMachine machine;
    final Xen xen;
    final XenInterrupts irqs;
    final XenDomain domU;
    final GuestKernel kernel;
    final TestDevice device;

    DomUMsiRig(DomuMsiPolicy policy) {
        machine = Rigs.msiMachine("virt", true);
        machine.attach("testdev,addr=01.0");
        machine.attach("testdev,addr=02.0,msi=" + XenMsiBenchmark.VECTORS);
        device = machine.msiSources().stream().filter(s -> s.requesterId() == HOST_RID)
                .map(TestDevice.class::cast).findFirst().orElseThrow();
        // Tracing declared and off, as XenComponent wires it: the timed path pays the off cost.
        xen = new Xen(machine, new LinuxKernelFactory(), Xen.Options.DEFAULT).tracing(machine.tracing());
        irqs = new XenInterrupts(machine, machine, xen::heap).tracing(machine.tracing());
        xen.interrupts(VirtualInterrupts.of(irqs::attachDom0, irqs::attachDomU, irqs::destroy));
        PciSubsystem pci = new PciSubsystem(xen);
        xen.pci(pci);
        XenComponent.wireMsi(xen, irqs, pci);
        pci.policyRegistry().add(DomuMsiPolicy.KIND, new DomuMsiNonePolicy());
        pci.policyRegistry().add(DomuMsiPolicy.KIND, new DomuMsiVitsPolicy());
        pci.policyRegistry().add(DomuMsiPolicy.KIND, new DomuMsiTrapRemapPolicy());
        pci.policyRegistry().set(null, DomuMsiPolicy.KIND, policy.name());
        xen.boot();
        domU = (XenDomain) xen.create(new DomainConfig("guest1", 64, 1,
                List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
        kernel = domU.kernel();
        List<GuestMsiVector> vectors = kernel.msiVectors();
        if (vectors.size() != XenMsiBenchmark.VECTORS) {
            throw new IllegalStateException("guest1 under " + policy.name() + " set up " + vectors.size()
                    + " MSI vectors, not " + XenMsiBenchmark.VECTORS + ":\n" + String.join("\n", kernel.bootLog()));
        }
    }

    /**
     * Raises every vector once and checks the DomU kernel's handler ran for each, on that vector
     * (its own per-vector count), so a drop or a wrong vector is never timed.
     */
    void check() {
        for (int v = 0; v < XenMsiBenchmark.VECTORS; v++) {
            long before = kernel.interruptsHandled();
            long vectorBefore = kernel.msiVectors().get(v).count();
            MsiOutcome o = device.raise(v);
            if (o != MsiOutcome.SENT || kernel.interruptsHandled() != before + 1
                    || kernel.msiVectors().get(v).count() != vectorBefore + 1) {
                throw new IllegalStateException(String.format(
                        "guest1: raise %d -> %s, handled %d -> %d, vector %d count %d -> %d; ledger %s", v, o, before,
                        kernel.interruptsHandled(), v, vectorBefore, kernel.msiVectors().get(v).count(),
                        irqs.ledger().snapshot()));
            }
        }
    }

    /** The MSIs the device sent, as the device counts them (independent of Xen's and the guest's counts). */
    long sent() {
        return device.messagesSent();
    }

    @Override
    public void close() {
        for (XenDomain d : xen.xenDomains()) {
            if (d.kernel() != null) {
                d.kernel().shutdown();
            }
        }
        machine.close();
    }
}
