package org.trapdoor.attack;

import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.Hypervisor;

/**
 * A device of another domain with an MSI vector its kernel set up: what an attacker would like to
 * forge, hijack or starve. Its counts are read by the observer from the victim's side: the
 * victim's own device register (messages it sent) and the victim kernel's interrupt count.
 */
record Victim(Domain domain, GuestPciDevice device, GuestMsiVector vector, long bar0) {

    /** The first test endpoint with an unmasked MSI vector in a domain other than the attacker's. */
    static Victim of(Hypervisor hv, Attacker attacker) {
        for (Domain d : hv.domains()) {
            GuestKernel k = d.kernel();
            if (d.id() == attacker.domain.id() || k == null) {
                continue;
            }
            for (GuestMsiVector v : k.msiVectors()) {
                if (v.masked()) {
                    continue;
                }
                for (GuestPciDevice p : k.pciDevices()) {
                    if (p.bdf().equals(v.bdf()) && p.vendorId() == Endpoint.VENDOR_ID
                            && p.deviceId() == Endpoint.DEVICE_ID && p.bar(0) != null && p.bar(0).assigned()) {
                        return new Victim(d, p, v, p.bar(0).cpuAddress());
                    }
                }
            }
        }
        throw new NotApplicable("no other domain has a test endpoint with an MSI vector set up to be the victim");
    }

    String label() {
        return domain.name() + " " + device.bdf() + " vector " + vector.vector();
    }

    /** Interrupts the victim's kernel handled on its vector's INTID. */
    long handled() {
        return handled(domain.kernel(), vector.intid());
    }

    /** MSI writes the victim's device completed (its own MSG_SENT register, read in the victim's address space). */
    long sent() {
        return domain.ipaSpace().read(bar0 + Endpoint.REG_MSG_SENT, 4);
    }

    /** The victim's own driver raising its vector (ordinary traffic, not the attacker). */
    void raise() {
        domain.ipaSpace().write(bar0 + Endpoint.REG_RAISE, 4, vector.vector());
    }

    static long handled(GuestKernel k, int intid) {
        long n = 0;
        for (GuestIrqCount c : k.interruptCounts()) {
            if (c.intid() == intid) {
                n += c.count();
            }
        }
        return n;
    }
}
