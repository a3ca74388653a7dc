package org.trapdoor.xen.irq;

import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.xen.irq.vgic.GuestMemory;
import org.trapdoor.xen.mm.P2m;
import org.trapdoor.xen.mm.P2mType;

/**
 * A domain's RAM by IPA, through its stage 2 ({@code access_guest_memory_by_gpa}): only pages the
 * P2M maps as RAM count; device mappings and holes are not the guest's memory.
 */
final class DomainMemory implements GuestMemory {
    private static final long PAGE = 0x1000;
    private final P2m p2m;
    private final PhysicalMemory ram;

    DomainMemory(P2m p2m, PhysicalMemory ram) {
        this.p2m = p2m;
        this.ram = ram;
    }

    @Override
    public boolean isRam(long ipa, long length) {
        if (length <= 0 || ipa < 0) {
            return false;
        }
        for (long page = ipa & -PAGE; page < ipa + length; page += PAGE) {
            P2mType t = p2m.type(page);
            if (t != P2mType.RAM_RW && t != P2mType.RAM_RO) {
                return false;
            }
            long pa = p2m.translate(page);
            if (pa < 0 || !ram.isRam(pa, PAGE)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public long load(long ipa, int size) {
        return ram.load(p2m.translate(ipa), size);
    }

    @Override
    public void store(long ipa, int size, long value) {
        ram.store(p2m.translate(ipa), size, value);
    }
}
