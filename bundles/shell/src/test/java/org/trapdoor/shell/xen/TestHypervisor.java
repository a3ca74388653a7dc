package org.trapdoor.shell.xen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomainState;
import org.trapdoor.api.hypervisor.HostBridgeStatus;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.memory.AddressSpace;

/**
 * A hand-written hypervisor for the shell's tests: domains, ownership of two functions and the
 * policy table kept in maps, with the refusals the real one makes for the cases the commands
 * pass through. It records the calls, so a test can check what a command asked for.
 */
final class TestHypervisor implements Hypervisor {
    final class Dom implements Domain {
        final int id;
        final String name;
        final long mib;
        final int vcpus;
        final List<PciAssignment> pci = new ArrayList<>();
        DomainState state = DomainState.RUNNING;
        GuestKernel kernel;
        AddressSpace space;
        long aborts;
        long trapAborts;

        Dom(int id, String name, long mib, int vcpus) {
            this.id = id;
            this.name = name;
            this.mib = mib;
            this.vcpus = vcpus;
        }

        public int id() {
            return id;
        }

        public String name() {
            return name;
        }

        public DomainState state() {
            return state;
        }

        public boolean hardwareDomain() {
            return id == 0;
        }

        public long memoryBytes() {
            return mib << 20;
        }

        public int vcpus() {
            return vcpus;
        }

        public DeviceTree deviceTree() {
            return null;
        }

        public AddressSpace ipaSpace() {
            return space;
        }

        public GuestKernel kernel() {
            return kernel;
        }

        public List<PciAssignment> pci() {
            return List.copyOf(pci);
        }

        public long stage2Aborts() {
            return aborts;
        }

        public long dmaFaults() {
            return 0;
        }

        @Override
        public long trapAborts() {
            return trapAborts;
        }
    }

    final Map<String, Dom> domains = new LinkedHashMap<>();
    /** Function -> owner name ({@code dom_io} when quarantined). */
    final Map<String, String> owner = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    final List<String> console = new ArrayList<>(List.of("(XEN) Xen version 4.23-trapdoor", "(XEN) Brought up 1 CPUs"));
    String bridgeOwner = "dom0-init";
    private int nextId = 1;

    TestHypervisor() {
        domains.put("Domain-0", new Dom(0, "Domain-0", 512, 1));
        owner.put("0000:00:01.0", "Domain-0");
        owner.put("0000:00:02.0", "Domain-0");
    }

    public String version() {
        return "Xen 4.23-trapdoor";
    }

    public List<Domain> domains() {
        return List.copyOf(domains.values());
    }

    public Optional<Domain> domain(String nameOrId) {
        for (Dom d : domains.values()) {
            if (d.name.equals(nameOrId) || Integer.toString(d.id).equals(nameOrId)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    public Domain hardwareDomain() {
        return domains.get("Domain-0");
    }

    public Domain create(DomainConfig config) {
        calls.add("create " + config);
        if (domains.containsKey(config.name())) {
            throw new HypervisorException("domain with name \"" + config.name() + "\" already exists.");
        }
        Dom d = new Dom(nextId++, config.name(), config.memoryMiB(), config.vcpus());
        domains.put(d.name, d);
        for (PciSpec s : config.pci()) {
            attach(d.name, s);
        }
        return d;
    }

    public void destroy(String nameOrId) {
        calls.add("destroy " + nameOrId);
        Dom d = (Dom) domain(nameOrId).orElseThrow();
        for (PciAssignment a : d.pci) {
            owner.put(a.hostBdf(), "dom_io");
        }
        domains.remove(d.name);
    }

    public void assignableAdd(String bdf) {
        calls.add("assignable-add " + bdf);
        String o = owner.get(bdf);
        if (o == null) {
            throw new HypervisorException(bdf + " is not a PCI function Xen knows of");
        }
        owner.put(bdf, "dom_io");
    }

    public void assignableRemove(String bdf) {
        calls.add("assignable-remove " + bdf);
        owner.put(bdf, "Domain-0");
    }

    public List<String> assignableList() {
        return owner.entrySet().stream().filter(e -> e.getValue().equals("dom_io")).map(Map.Entry::getKey).toList();
    }

    public PciAssignment attach(String domain, PciSpec spec) {
        calls.add("attach " + domain + " " + spec.bdf());
        if (!"dom_io".equals(owner.get(spec.bdf()))) {
            throw new HypervisorException(spec.bdf() + " is not assignable");
        }
        Dom d = domains.get(domain);
        int slot = spec.vslot() >= 0 ? spec.vslot() : d.pci.size();
        PciAssignment a = new PciAssignment(spec.bdf(), String.format("0000:00:%02x.0", slot), spec.permissive());
        d.pci.add(a);
        owner.put(spec.bdf(), domain);
        return a;
    }

    public void detach(String domain, String bdf) {
        calls.add("detach " + domain + " " + bdf);
        Dom d = domains.get(domain);
        if (!d.pci.removeIf(a -> a.hostBdf().equals(bdf))) {
            throw new HypervisorException(bdf + " is not assigned to " + domain);
        }
        owner.put(bdf, "dom_io");
    }

    public List<PciDeviceStatus> pciDevices() {
        List<PciDeviceStatus> out = new ArrayList<>();
        for (Map.Entry<String, String> e : owner.entrySet()) {
            Dom d = domains.get(e.getValue());
            String ctx = d == null ? "abort" : "stage 2, vmid " + d.id;
            out.add(new PciDeviceStatus(e.getKey(), e.getValue(), e.getValue().equals("dom_io"), "/smmuv3@9050000",
                    List.of(Integer.parseInt(e.getKey().substring(8, 10), 16) << 3), ctx));
        }
        return out;
    }

    public List<HostBridgeStatus> hostBridges() {
        return List.of(new HostBridgeStatus("/pcie@10000000", "pci-host-ecam-generic", 0, 0, 0xff, bridgeOwner, true,
                "Dom0 reported 0000:00:00.0", 3));
    }

    public List<String> console() {
        return List.copyOf(console);
    }

    public List<PolicyInfo> policies() {
        return List.of(new PolicyInfo("bridge-owner", null, bridgeOwner, List.of("dom0-init", "xen-init"), "dom0-init"),
                new PolicyInfo("hwdom-config", "Domain-0", "direct", List.of("direct", "vpci"), "direct"));
    }

    public void setPolicy(String domain, String kind, String name) {
        calls.add("policy " + domain + " " + kind + " " + name);
        if (!List.of("dom0-init", "xen-init").contains(name)) {
            throw new HypervisorException("no " + kind + " policy named " + name);
        }
        bridgeOwner = name;
    }
}
