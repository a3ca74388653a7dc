package org.trapdoor.shell.attack;

import java.util.List;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.attack.AttackComponent;
import org.trapdoor.api.attack.AttackScenario;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.DoorbellPolicy;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.guest.LinuxKernelFactory;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.policy.domumsinone.DomuMsiNonePolicy;
import org.trapdoor.policy.domumsitrapremap.DomuMsiTrapRemapPolicy;
import org.trapdoor.policy.domumsivits.DomuMsiVitsPolicy;
import org.trapdoor.policy.doorbellabortsanitise.DoorbellAbortSanitisePolicy;
import org.trapdoor.policy.doorbellmap.DoorbellMapPolicy;
import org.trapdoor.xen.VirtualInterrupts;
import org.trapdoor.xen.Xen;
import org.trapdoor.xen.component.XenComponent;
import org.trapdoor.xen.irq.XenInterrupts;
import org.trapdoor.xen.passthrough.PciSubsystem;

/**
 * The virt machine of the real models with Xen wired as {@code XenComponent} wires it and the
 * real policy bundles' services registered: Dom0 owns the endpoint 00:01.0 (the victim) and
 * DomU {@code guest1}, built under the given {@code domu-msi} mechanism, holds 00:02.0 (the attacker's).
 */
final class AttackShellRig implements AutoCloseable {
    final ComposedMachine machine;
    final Xen xen;
    final XenInterrupts irqs;
    final PciSubsystem pci;
    final List<AttackScenario> scenarios;

    AttackShellRig(String mechanism, boolean faultData) {
        DeviceTree tree = Presets.load(new DeviceTreeService(), "virt");
        if (faultData) {
            DtNode smmu = tree.nodes().stream().filter(n -> n.compatibles().contains("arm,smmu-v3")).findFirst()
                    .orElseThrow();
            smmu.put(DtProperty.empty("trapdoor,fault-write-data"));
        }
        machine = new ComposedMachine(tree);
        machine.addDriver(new EcamDriver());
        machine.addDriver(new Gicv3Driver());
        machine.addDriver(new ItsDriver());
        machine.addDriver(new Smmuv3Driver());
        machine.addFactory(new TestDeviceFactory());
        machine.attach("testdev,addr=01.0,msi=2");
        machine.attach("testdev,addr=02.0,msi=4");
        xen = new Xen(machine, new LinuxKernelFactory(), Xen.Options.DEFAULT);
        irqs = new XenInterrupts(machine, machine, xen::heap);
        xen.interrupts(VirtualInterrupts.of(irqs::attachDom0, irqs::attachDomU, irqs::destroy, irqs::ledger));
        pci = new PciSubsystem(xen);
        xen.pci(pci);
        XenComponent.wireMsi(xen, irqs, pci);
        pci.policyRegistry().add(DomuMsiPolicy.KIND, new DomuMsiNonePolicy());
        pci.policyRegistry().add(DomuMsiPolicy.KIND, new DomuMsiVitsPolicy());
        pci.policyRegistry().add(DomuMsiPolicy.KIND, new DomuMsiTrapRemapPolicy());
        pci.policyRegistry().add(DoorbellPolicy.KIND, new DoorbellMapPolicy());
        pci.policyRegistry().add(DoorbellPolicy.KIND, new DoorbellAbortSanitisePolicy());
        pci.policyRegistry().set(null, DomuMsiPolicy.KIND, mechanism);
        xen.boot();
        xen.create(new DomainConfig("guest1", 64, 1, List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
        scenarios = AttackComponent.scenarios(xen, machine, machine);
    }

    void policy(String kind, String name) {
        xen.setPolicy("guest1", kind, name);
    }

    AttackResult run(String scenario) {
        AttackResult r = scenarios.stream().filter(s -> s.name().equals(scenario)).findFirst().orElseThrow()
                .run("guest1");
        System.out.println(r);
        return r;
    }

    @Override
    public void close() {
        for (var d : xen.xenDomains()) {
            if (d.kernel() != null) {
                d.kernel().shutdown();
            }
        }
        machine.close();
    }
}
