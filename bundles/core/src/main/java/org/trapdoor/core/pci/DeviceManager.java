package org.trapdoor.core.pci;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.pci.PciDevice;
import org.trapdoor.api.pci.PciDeviceFactory;

/**
 * The endpoints plugged into the machine's host bridges. A device whose type has no factory yet
 * waits, holding its address, and is created when a factory for its type appears; when that
 * factory goes away its devices are unplugged and wait again (or move to another factory of
 * the same type). Slow path, synchronized.
 */
public final class DeviceManager {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceManager.class);

    /** One configured device. */
    private static final class Plug {
        final DeviceSpec spec;
        final PciDomain domain;
        final int devfn;
        PciDevice device;
        PciDeviceFactory factory;
        String problem;

        Plug(DeviceSpec spec, PciDomain domain, int devfn) {
            this.spec = spec;
            this.domain = domain;
            this.devfn = devfn;
        }
    }

    private final DeviceTree tree;
    private final List<PciDomain> domains;
    private final AddressSpace system;
    private final List<Plug> plugs = new ArrayList<>();
    private final List<PciDeviceFactory> factories = new ArrayList<>();

    public DeviceManager(DeviceTree tree, List<PciDomain> domains, AddressSpace system) {
        this.tree = tree;
        this.domains = domains;
        this.system = system;
    }

    /**
     * Adds a device from its specification; creates it now if its factory is present.
     *
     * @throws IllegalArgumentException for a bad specification, an unknown bridge, an address in
     *                                  use, or an option the factory refuses
     */
    public synchronized void attach(String specText) {
        DeviceSpec spec = DeviceSpec.parse(specText);
        PciDomain domain = domain(spec);
        int devfn = spec.devfn() >= 0 ? spec.devfn() : firstFree(domain);
        for (Plug p : plugs) {
            if (p.domain == domain && p.devfn == devfn) {
                throw new IllegalArgumentException(String.format("device '%s': %02x.%x behind %s is taken by '%s'",
                        specText, devfn >> 3, devfn & 7, domain.node().path(), p.spec.text()));
            }
        }
        Plug plug = new Plug(spec, domain, devfn);
        PciDeviceFactory f = factoryFor(spec.type());
        if (f != null) {
            create(plug, f);
        }
        plugs.add(plug);
    }

    private PciDomain domain(DeviceSpec spec) {
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("device '" + spec.text() + "': the platform has no PCI host bridge");
        }
        String b = spec.bridge();
        if (b == null) {
            return domains.get(0);
        }
        if (b.matches("pcie\\.\\d+")) {
            int i = Integer.parseInt(b.substring(5));
            if (i < domains.size()) {
                return domains.get(i);
            }
        } else {
            DtNode n = tree.find(b);
            for (PciDomain d : domains) {
                if (d.node() == n) {
                    return d;
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < domains.size(); i++) {
            names.add("pcie." + i + " = " + domains.get(i).node().path());
        }
        throw new IllegalArgumentException("device '" + spec.text() + "': no host bridge '" + b + "' (bridges: "
                + String.join(", ", names) + ")");
    }

    /** The first free function-0 slot from 01.0 up. */
    private int firstFree(PciDomain domain) {
        for (int slot = 1; slot < 32; slot++) {
            int devfn = slot << 3;
            boolean taken = false;
            for (Plug p : plugs) {
                taken |= p.domain == domain && p.devfn >> 3 == slot;
            }
            if (!taken) {
                return devfn;
            }
        }
        throw new IllegalArgumentException("no free slot left behind " + domain.node().path());
    }

    private PciDeviceFactory factoryFor(String type) {
        for (PciDeviceFactory f : factories) {
            if (type.equals(f.type())) {
                return f;
            }
        }
        return null;
    }

    /**
     * Creates and plugs the device; a factory's refusal propagates as IllegalArgumentException, a
     * malformed ID map of the bridge as DeviceTreeException.
     */
    private void create(Plug plug, PciDeviceFactory f) {
        PciDevice d = f.create(plug.spec.options());
        if (d == null) {
            throw new IllegalArgumentException("device '" + plug.spec.text() + "': factory returned no device");
        }
        int bus = plug.domain.busStart();
        // The port first: a malformed msi-map/iommu-map refuses the device before it is visible.
        UpstreamPort port = plug.domain.port(bus, plug.devfn, system);
        if (!plug.domain.hierarchy().put(bus, plug.devfn, d)) {
            throw new IllegalArgumentException(String.format("device '%s': %02x:%02x.%x is occupied", plug.spec.text(),
                    bus, plug.devfn >> 3, plug.devfn & 7));
        }
        d.connect(port);
        plug.device = d;
        plug.factory = f;
        plug.problem = null;
        LOG.info("attached {} at {}", plug.spec.text(), info(plug).bdf());
    }

    /** Creates waiting devices of the factory's type. */
    public synchronized void addFactory(PciDeviceFactory f) {
        factories.add(f);
        retryPending();
    }

    /** Unplugs the factory's devices; they wait for another factory of their type. */
    public synchronized void removeFactory(PciDeviceFactory f) {
        factories.remove(f);
        for (Plug p : plugs) {
            if (p.factory == f) {
                unplug(p);
                LOG.info("{} unplugged: its factory went away", p.spec.text());
            }
        }
        retryPending();
    }

    private void retryPending() {
        for (Plug p : plugs) {
            if (p.device == null) {
                PciDeviceFactory f = factoryFor(p.spec.type());
                if (f != null) {
                    try {
                        create(p, f);
                    } catch (RuntimeException e) {
                        p.problem = e.getMessage();
                        LOG.error("device '{}' could not be created: {}", p.spec.text(), e.getMessage());
                    }
                }
            }
        }
    }

    private static void unplug(Plug p) {
        p.domain.hierarchy().remove(p.domain.busStart(), p.devfn);
        p.device = null;
        p.factory = null;
    }

    /** Unplugs every device (machine shutdown). */
    public synchronized void close() {
        for (Plug p : plugs) {
            if (p.device != null) {
                unplug(p);
            }
        }
        plugs.clear();
        factories.clear();
    }

    /** The plugged devices that can raise MSIs, in attach order. */
    public synchronized List<MsiSource> msiSources() {
        List<MsiSource> out = new ArrayList<>();
        for (Plug p : plugs) {
            if (p.device instanceof MsiSource m) {
                out.add(m);
            }
        }
        return out;
    }

    /** Every configured device; a waiting one says so in its description. */
    public synchronized List<PciDeviceInfo> devices() {
        List<PciDeviceInfo> out = new ArrayList<>();
        for (Plug p : plugs) {
            out.add(info(p));
        }
        return out;
    }

    private PciDeviceInfo info(Plug p) {
        String desc;
        if (p.device != null) {
            desc = p.device.describe();
        } else if (p.problem != null) {
            desc = "(failed) " + p.spec.text() + ": " + p.problem;
        } else {
            desc = "(waiting for a '" + p.spec.type() + "' factory) " + p.spec.text();
        }
        return new PciDeviceInfo(p.domain.node().path(), p.domain.segment(), p.domain.busStart(), p.devfn,
                p.spec.type(), desc);
    }
}
