package org.trapdoor.shell.attack;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.AttackScenario;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.PciDeviceInfo;

/**
 * Runs every scenario from one DomU under every combination of bound MSI controller, {@code domu-msi}
 * policy and {@code doorbell} policy, switching the policies live as {@code policy set} does, and
 * puts the DomU's policies back as they were, whatever happened.
 */
public final class Audit {
    static final String DOMU_MSI = "domu-msi", DOORBELL = "doorbell";

    private Audit() {
    }

    public static AuditMatrix run(Hypervisor hv, Machine machine, MachineInterrupts irqs, List<AttackScenario> scenarios,
            String attacker) {
        Domain d = attacker(hv, attacker);
        List<AttackScenario> sorted = new ArrayList<>(scenarios);
        sorted.sort(Comparator.comparing(AttackScenario::name));
        String msi0 = active(hv, DOMU_MSI, d.name());
        String bell0 = active(hv, DOORBELL, d.name());
        List<String> msis = available(hv, DOMU_MSI);
        List<String> bells = available(hv, DOORBELL);
        if (msis.isEmpty() || bells.isEmpty()) {
            throw new IllegalArgumentException("the hypervisor has no " + (msis.isEmpty() ? DOMU_MSI : DOORBELL)
                    + " policy to switch (no policy bundle of that kind is running)");
        }
        List<String> used = controllersUsed(machine, d);
        List<AuditMatrix.Column> columns = new ArrayList<>();
        List<List<AttackResult>> byScenario = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            byScenario.add(new ArrayList<>());
        }
        try {
            for (String controller : controllers(irqs)) {
                for (String msi : msis) {
                    for (String bell : bells) {
                        String problem = used.contains(controller) ? null
                                : "the DomU's device sends its MSIs to " + String.join(", ", used) + ", not here";
                        if (problem == null) {
                            problem = controllerKindFixed(d, msi);
                        }
                        if (problem == null) {
                            problem = set(hv, d.name(), DOMU_MSI, msi);
                        }
                        if (problem == null) {
                            problem = set(hv, d.name(), DOORBELL, bell);
                        }
                        columns.add(new AuditMatrix.Column(controller, msi, bell, problem));
                        for (int i = 0; i < sorted.size(); i++) {
                            AttackScenario s = sorted.get(i);
                            byScenario.get(i).add(problem != null
                                    ? AttackResult.notApplicable(s.name(), d.name(), problem)
                                    : runOne(s, d.name()));
                        }
                    }
                }
            }
        } finally {
            // Back as they were: the MSI mechanism first, the doorbell (applied after it) second.
            quietSet(hv, d.name(), DOMU_MSI, msi0);
            quietSet(hv, d.name(), DOORBELL, bell0);
        }
        List<AuditMatrix.Row> rows = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            rows.add(new AuditMatrix.Row(sorted.get(i).name(), sorted.get(i).criterion(), byScenario.get(i)));
        }
        String restored = DOMU_MSI + " " + active(hv, DOMU_MSI, d.name()) + ", " + DOORBELL + " "
                + active(hv, DOORBELL, d.name());
        return new AuditMatrix(d.name(), columns, rows, restored, topology(hv, machine));
    }

    /**
     * Xen does not hand a running guest the other kind of MSI controller (no hot-plug of an
     * interrupt controller's node): a tree with a virtual ITS keeps {@code vits}, one with a v2m
     * frame keeps {@code trap-remap}. Xen's policy listing shows the choice asked for even when
     * its plumbing refused it, so the audit reads the guest's own tree rather than trust the
     * listing, and says why the column cannot be run.
     */
    static String controllerKindFixed(Domain d, String msi) {
        boolean its = false, v2m = false;
        for (DtNode n : d.deviceTree().nodes()) {
            if (n.has("msi-controller")) {
                its |= n.compatibles().contains("arm,gic-v3-its");
                v2m |= n.compatibles().contains("arm,gic-v2m-frame");
            }
        }
        if (msi.equals("trap-remap") && its) {
            return "Xen refuses trap-remap live for " + d.name() + ": its device tree has a virtual ITS "
                    + "(create the domain under trap-remap to audit it)";
        }
        if (msi.equals("vits") && v2m) {
            return "Xen refuses vits live for " + d.name() + ": its device tree has a v2m frame "
                    + "(create the domain under vits to audit it)";
        }
        return null;
    }

    private static AttackResult runOne(AttackScenario s, String attacker) {
        try {
            return s.run(attacker);
        } catch (RuntimeException e) {
            // A scenario that could not finish says so in its cell; the audit goes on.
            return AttackResult.notApplicable(s.name(), attacker, "the attack could not run: " + e.getMessage());
        }
    }

    static Domain attacker(Hypervisor hv, String name) {
        if (name != null) {
            Domain d = hv.domain(name).orElseThrow(() -> new IllegalArgumentException("no domain '" + name + "'"));
            if (d.hardwareDomain()) {
                throw new IllegalArgumentException(d.name() + " is the hardware domain: the attacks are a DomU's");
            }
            return d;
        }
        return hv.domains().stream().filter(x -> !x.hardwareDomain() && !x.pci().isEmpty()).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no DomU with a PCI device to attack from "
                        + "(xl create one with pci = [...])"));
    }

    /** The switch, or why it did not take: an error from the hypervisor, or another policy still in force. */
    private static String set(Hypervisor hv, String domain, String kind, String name) {
        try {
            hv.setPolicy(domain, kind, name);
        } catch (HypervisorException | IllegalArgumentException | UnsupportedOperationException e) {
            return kind + " " + name + " refused: " + e.getMessage();
        }
        String now = active(hv, kind, domain);
        return name.equals(now) ? null
                : "Xen refused " + kind + " " + name + " live for " + domain + " (still " + now
                        + "): its device tree was built for another kind of MSI controller";
    }

    private static void quietSet(Hypervisor hv, String domain, String kind, String name) {
        if (name != null) {
            set(hv, domain, kind, name);
        }
    }

    static String active(Hypervisor hv, String kind, String domain) {
        String global = null;
        for (PolicyInfo p : hv.policies()) {
            if (p.kind().equals(kind)) {
                if (domain.equals(p.domain())) {
                    return p.active();
                }
                if (p.domain() == null) {
                    global = p.active();
                }
            }
        }
        return global;
    }

    static List<String> available(Hypervisor hv, String kind) {
        for (PolicyInfo p : hv.policies()) {
            if (p.kind().equals(kind)) {
                return p.available();
            }
        }
        return List.of();
    }

    static List<String> controllers(MachineInterrupts irqs) {
        List<String> c = new ArrayList<>(irqs.msiControllers().keySet());
        c.sort(null);
        return c.isEmpty() ? List.of("(none)") : c;
    }

    /** The MSI controllers the DomU's host functions send to, from the host bridge's msi-map or msi-parent. */
    static List<String> controllersUsed(Machine machine, Domain d) {
        List<String> used = new ArrayList<>();
        for (PciAssignment a : d.pci()) {
            for (PciDeviceInfo info : machine.pciDevices()) {
                if (!info.bdf().equals(a.hostBdf())) {
                    continue;
                }
                DtNode bridge = machine.platform().node(info.bridgePath());
                if (bridge == null) {
                    continue;
                }
                IdMap map = IdMap.msiMap(bridge);
                if (map != null) {
                    IdMap.Result r = map.map(info.bus() << 8 | info.devfn());
                    if (r.target() != null && !used.contains(r.target().path())) {
                        used.add(r.target().path());
                    }
                }
                for (PhandleRef ref : bridge.msiParent()) {
                    DtNode t = ref.node();
                    if (t != null && !used.contains(t.path())) {
                        used.add(t.path());
                    }
                }
            }
        }
        return used;
    }

    static AuditMatrix.Topology topology(Hypervisor hv, Machine machine) {
        List<String[]> nodes = new ArrayList<>();
        nodes.add(new String[] {"NODE", "COMPATIBLE", "DRIVER", "STATE"});
        for (NodeInfo n : machine.nodes()) {
            if (n.compatibles().isEmpty()) {
                continue;
            }
            nodes.add(new String[] {n.path(), String.join(", ", n.compatibles()),
                n.driver() == null ? "-" : n.driver(), n.state().toString().toLowerCase(java.util.Locale.ROOT)});
        }
        List<String[]> domains = new ArrayList<>();
        domains.add(new String[] {"ID", "NAME", "MEMORY (MiB)", "VCPUS", "STATE", "PCI"});
        for (Domain x : hv.domains()) {
            List<String> pci = new ArrayList<>();
            for (PciAssignment a : x.pci()) {
                pci.add(a.hostBdf() + " as " + a.virtualBdf());
            }
            domains.add(new String[] {Integer.toString(x.id()), x.name(), Long.toString(x.memoryBytes() >> 20),
                Integer.toString(x.vcpus()), x.state().toString().toLowerCase(java.util.Locale.ROOT),
                pci.isEmpty() ? "-" : String.join(", ", pci)});
        }
        List<String[]> devices = new ArrayList<>();
        devices.add(new String[] {"BDF", "OWNER", "IOMMU", "CONTEXT"});
        for (PciDeviceStatus s : hv.pciDevices()) {
            devices.add(new String[] {s.bdf(), s.owner(), s.iommu() == null ? "-" : s.iommu(),
                s.iommuContext() == null ? "-" : s.iommuContext()});
        }
        return new AuditMatrix.Topology(hv.version(), nodes, domains, devices);
    }
}
