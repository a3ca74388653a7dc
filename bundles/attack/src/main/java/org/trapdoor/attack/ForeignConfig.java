package org.trapdoor.attack;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.memory.AddressSpace;

/**
 * (d) The attacker walks every other BDF its vPCI window decodes (the first two buses, every
 * device and function), reading Vendor/Device ID and writing 0 to Command, and loads from the
 * host's own ECAM window at its physical address, as if its IPA space reached it. The observer
 * reads every host function's Command register on the real bus before and after (and puts back
 * one the attack changed).
 */
final class ForeignConfig extends Scenario {
    private static final int BUSES = 2;

    ForeignConfig(Platform p) {
        super(p);
    }

    @Override
    public String name() {
        return "foreign-config";
    }

    @Override
    public String description() {
        return "read and write config space of every BDF it does not own through its vPCI window, and the host's ECAM";
    }

    @Override
    public String criterion() {
        return "SUCCEEDED if a foreign BDF answers with an ID (not all-ones), the host ECAM answers, or any host "
                + "function's Command register changes (read on the real bus); BLOCKED otherwise";
    }

    @Override
    AttackResult attack(Attacker a) {
        Set<Integer> own = new HashSet<>();
        for (GuestPciDevice d : a.kernel.pciDevices()) {
            if (d.host().equals(a.device.host())) {
                own.add(d.bus() << 8 | d.devfn());
            }
        }
        List<HostFunction> host = hostFunctions();
        AddressSpace sys = p.machine().system();
        long[] commandBefore = new long[host.size()];
        for (int i = 0; i < host.size(); i++) {
            commandBefore[i] = sys.read(host.get(i).config + 4, 2);
        }
        long ownId = a.cfgRead(0, 4);
        long[] visible = {0};
        long[] probes = {0};
        BusRange range = busRange(a);
        Readings r = new Readings()
                .add("foreign BDFs answering with an ID through the vPCI window", () -> visible[0])
                .add("foreign BDFs probed", () -> probes[0])
                .add("host functions whose Command register changed (real bus)", () -> changed(host, commandBefore))
                .add("host ECAM reads answered through its IPA space", () -> 0)
                .add("stage-2 aborts (Xen, attacker's domain)", a.domain::stage2Aborts)
                .before();
        for (int bus = range.first(); bus < Math.min(range.last() + 1, range.first() + BUSES); bus++) {
            for (int devfn = 0; devfn < 256; devfn++) {
                if (own.contains(bus << 8 | devfn)) {
                    continue;
                }
                probes[0]++;
                long id = a.ipa.read(a.cfgAddress(bus, devfn, 0), 4);
                if (id != 0xffff_ffffL) {
                    visible[0]++;
                }
                a.ipa.write(a.cfgAddress(bus, devfn, 4), 2, 0);
            }
        }
        long hostAnswers = 0;
        for (HostFunction f : host) {
            if (!a.ownsIpa(f.config, 4) && a.ipa.read(f.config, 4) != 0xffff_ffffL) {
                hostAnswers++;
            }
        }
        List<Evidence> e = new ArrayList<>(r.after());
        e.set(3, new Evidence(e.get(3).what(), 0, hostAnswers));
        e.add(new Evidence("its own function's Vendor/Device ID (control: the window works)", ownId, a.cfgRead(0, 4)));
        for (int i = 0; i < host.size(); i++) { // the observer undoes what the attack did
            if (sys.read(host.get(i).config + 4, 2) != commandBefore[i]) {
                sys.write(host.get(i).config + 4, 2, commandBefore[i]);
            }
        }
        boolean succeeded = e.get(0).after() > 0 || e.get(2).after() > 0 || hostAnswers > 0;
        return result(a, succeeded, succeeded
                ? "config space outside its own functions answered or changed"
                : probes[0] + " foreign BDFs read all-ones, no host Command register changed, the host ECAM is not in its IPA space",
                e);
    }

    private static BusRange busRange(Attacker a) {
        for (DtNode n : a.tree.nodes()) {
            if (n.path().equals(a.device.host())) {
                return BusRange.of(n);
            }
        }
        return BusRange.DEFAULT;
    }

    /** A host function's config space on the real bus (generic ECAM host bridges). */
    private record HostFunction(String bdf, long config) {
    }

    private List<HostFunction> hostFunctions() {
        List<HostFunction> fs = new ArrayList<>();
        for (PciDeviceInfo d : p.machine().pciDevices()) {
            DtNode bridge = p.machine().platform().node(d.bridgePath());
            if (bridge == null || !bridge.compatibles().contains("pci-host-ecam-generic") || bridge.reg().isEmpty()) {
                continue;
            }
            BusRange br = BusRange.of(bridge);
            long ecam = bridge.reg().get(0).address() + ((long) (d.bus() - br.first()) << 20) + ((long) d.devfn() << 12);
            fs.add(new HostFunction(d.bdf(), ecam));
        }
        return fs;
    }

    private long changed(List<HostFunction> host, long[] before) {
        long n = 0;
        for (int i = 0; i < host.size(); i++) {
            if (p.machine().system().read(host.get(i).config + 4, 2) != before[i]) {
                n++;
            }
        }
        return n;
    }
}
