package org.trapdoor.attack;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.memory.AddressSpace;

/**
 * The hostile DomU as its own kernel sees itself: its IPA space (every load and store goes through
 * its stage 2 or Xen's traps), its device tree, the vPCI window its tree names and the test
 * endpoint it was given. Everything the attacks do to the system goes through here.
 */
final class Attacker {
    final Domain domain;
    final AddressSpace ipa;
    final DeviceTree tree;
    final GuestKernel kernel;
    /** Its DMA-capable endpoint, as its kernel enumerated it (a virtual BDF on the vPCI bus). */
    final GuestPciDevice device;
    final long bar0;
    /** The ECAM window of its vPCI host bridge (an IPA, trapped by Xen). */
    final RegEntry ecam;

    private Attacker(Domain domain, GuestPciDevice device, RegEntry ecam) {
        this.domain = domain;
        this.ipa = domain.ipaSpace();
        this.tree = domain.deviceTree();
        this.kernel = domain.kernel();
        this.device = device;
        this.bar0 = device.bar(0).cpuAddress();
        this.ecam = ecam;
    }

    /**
     * The DomU named (or the first one holding a test endpoint when {@code name} is null).
     *
     * @throws IllegalArgumentException when no such domain exists
     * @throws NotApplicable when it is the hardware domain or has no endpoint to drive
     */
    static Attacker of(Hypervisor hv, String name) {
        if (name == null) {
            for (Domain d : hv.domains()) {
                if (!d.hardwareDomain() && d.kernel() != null && endpoint(d.kernel()) != null) {
                    return of(hv, d.name());
                }
            }
            throw new NotApplicable("no DomU holds a test endpoint to attack from (xl pci-attach one)");
        }
        Domain d = hv.domain(name).orElseThrow(() -> new IllegalArgumentException("no domain '" + name + "'"));
        if (d.hardwareDomain()) {
            throw new NotApplicable(d.name() + " is the hardware domain: the attacks are a DomU's");
        }
        GuestKernel k = d.kernel();
        if (k == null) {
            throw new NotApplicable(d.name() + " has no running kernel");
        }
        GuestPciDevice dev = endpoint(k);
        if (dev == null) {
            throw new NotApplicable(d.name() + " holds no test endpoint (its kernel found " + k.pciDevices().size()
                    + " function(s)), so it has no DMA engine to drive");
        }
        DtNode host = null;
        for (DtNode n : d.deviceTree().nodes()) {
            if (n.path().equals(dev.host())) {
                host = n;
            }
        }
        if (host == null || host.reg().isEmpty()) {
            throw new NotApplicable(d.name() + "'s tree has no host bridge " + dev.host());
        }
        return new Attacker(d, dev, host.reg().get(0));
    }

    /** The first test endpoint with a memory BAR0 the kernel assigned, or null. */
    static GuestPciDevice endpoint(GuestKernel k) {
        for (GuestPciDevice p : k.pciDevices()) {
            GuestBar b = p.bar(0);
            if (p.vendorId() == Endpoint.VENDOR_ID && p.deviceId() == Endpoint.DEVICE_ID && b != null && b.assigned()) {
                return p;
            }
        }
        return null;
    }

    String name() {
        return domain.name();
    }

    /** The policy of {@code kind} in force for this domain, or null when the hypervisor has no such kind. */
    String policy(Hypervisor hv, String kind) {
        String global = null;
        for (PolicyInfo p : hv.policies()) {
            if (p.kind().equals(kind)) {
                if (name().equals(p.domain())) {
                    return p.active();
                }
                if (p.domain() == null) {
                    global = p.active();
                }
            }
        }
        return global;
    }

    // ---------------------------------------------------------------- config space through its vPCI window

    long cfgAddress(int bus, int devfn, int reg) {
        return ecam.address() + ((long) bus << 20) + ((long) devfn << 12) + reg;
    }

    long cfgRead(int reg, int size) {
        return ipa.read(cfgAddress(device.bus(), device.devfn(), reg), size);
    }

    void cfgWrite(int reg, int size, long value) {
        ipa.write(cfgAddress(device.bus(), device.devfn(), reg), size, value);
    }

    /** The MSI capability as the guest's walk of its chain finds it (Linux's {@code pci_find_capability}); -1 if hidden. */
    int msiCapability() {
        if ((cfgRead(0x06, 2) & 0x10) == 0) {
            return -1;
        }
        int pos = (int) cfgRead(0x34, 1) & 0xfc;
        for (int ttl = 48; pos >= 0x40 && ttl > 0; ttl--) {
            int id = (int) cfgRead(pos, 1);
            if (id == 0xff) {
                return -1;
            }
            if (id == 0x05) {
                return pos;
            }
            pos = (int) cfgRead(pos + 1, 1) & 0xfc;
        }
        return -1;
    }

    // ---------------------------------------------------------------- its device's BAR0 (mapped in its stage 2)

    long reg(int offset) {
        return ipa.read(bar0 + offset, 4);
    }

    void raise(int vector) {
        ipa.write(bar0 + Endpoint.REG_RAISE, 4, vector);
    }

    /**
     * Has its device write {@code data} (a multiple of 8 bytes, at most the buffer) to bus address
     * {@code busAddress}, as its driver would program the DMA engine; returns the DMA status word.
     */
    int dmaWrite(long busAddress, long[] data) {
        for (int i = 0; i < data.length; i++) {
            ipa.write(bar0 + Endpoint.BUFFER_OFFSET + 8L * i, 8, data[i]);
        }
        return dma(busAddress, 8 * data.length);
    }

    /** The same for one 32-bit word (an MSI's data written to a doorbell). */
    int dmaWrite32(long busAddress, int word) {
        ipa.write(bar0 + Endpoint.BUFFER_OFFSET, 4, word & 0xffff_ffffL);
        return dma(busAddress, 4);
    }

    private int dma(long busAddress, int length) {
        ipa.write(bar0 + Endpoint.REG_DMA_SRC, 8, 0);
        ipa.write(bar0 + Endpoint.REG_DMA_DST, 8, busAddress);
        ipa.write(bar0 + Endpoint.REG_DMA_LEN, 4, length);
        ipa.write(bar0 + Endpoint.REG_DMA_CMD, 4, Endpoint.CMD_START); // direction 0: buffer -> bus
        int status = (int) ipa.read(bar0 + Endpoint.REG_DMA_STATUS, 4);
        ipa.write(bar0 + Endpoint.REG_DMA_STATUS, 4, Endpoint.STATUS_DONE | Endpoint.STATUS_ERROR); // W1C
        return status;
    }

    // ---------------------------------------------------------------- its own memory and interrupts

    /** Its RAM ranges (IPAs), from the memory nodes of its tree. */
    List<RegEntry> ram() {
        return new ArrayList<>(tree.memory());
    }

    boolean ownsIpa(long ipa0, long length) {
        for (RegEntry r : ram()) {
            if (ipa0 >= r.address() && ipa0 + length <= r.end()) {
                return true;
            }
        }
        return false;
    }

    /** Interrupts its kernel handled on {@code intid} (its /proc/interrupts line). */
    long handled(int intid) {
        return Victim.handled(kernel, intid);
    }

    List<GuestMsiVector> vectors() {
        List<GuestMsiVector> mine = new ArrayList<>();
        for (GuestMsiVector v : kernel.msiVectors()) {
            if (v.bdf().equals(device.bdf())) {
                mine.add(v);
            }
        }
        return mine;
    }

    /** The first node of its tree with this compatible, or null. */
    DtNode node(String compatible) {
        for (DtNode n : tree.nodes()) {
            if (n.compatibles().contains(compatible)) {
                return n;
            }
        }
        return null;
    }
}
