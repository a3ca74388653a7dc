package org.trapdoor.xen.hypercall;

import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.mm.P2m;

/**
 * {@code copy_from_guest} / {@code copy_to_guest}: hypercall arguments are IPAs of the caller's
 * memory, translated page by page through its P2M (as Xen's {@code get_page_from_gfn} does on
 * Arm); only RAM mapped read-write (for a copy to the guest) qualifies, anything else fails the
 * copy, which the hypercall reports as {@code -EFAULT}.
 */
public final class GuestMemory {
    private final PhysicalMemory ram;

    public GuestMemory(PhysicalMemory ram) {
        this.ram = ram;
    }

    /** Copies {@code length} bytes at {@code ipa} of {@code d}'s memory into {@code dst}; false on a fault. */
    public boolean copyFrom(XenDomain d, long ipa, byte[] dst, int offset, int length) {
        return copy(d, ipa, dst, offset, length, false);
    }

    /** Copies into {@code d}'s memory at {@code ipa}; false on a fault (nothing is written past it). */
    public boolean copyTo(XenDomain d, long ipa, byte[] src, int offset, int length) {
        return copy(d, ipa, src, offset, length, true);
    }

    private boolean copy(XenDomain d, long ipa, byte[] buf, int offset, int length, boolean toGuest) {
        if (length < 0 || offset < 0 || offset + length > buf.length || ipa < 0) {
            return false;
        }
        P2m p2m = d.p2m();
        int done = 0;
        while (done < length) {
            long at = ipa + done;
            int chunk = (int) Math.min(length - done, 0x1000 - (at & 0xfff));
            long entry = p2m.lookup(at);
            if (entry < 0 || (entry & P2m.READ) == 0 || (toGuest && (entry & P2m.WRITE) == 0)) {
                return false;
            }
            long pa = (entry & ~0xfffL) | (at & 0xfff);
            if (!ram.isRam(pa, chunk)) {
                return false;
            }
            if (toGuest) {
                ram.write(pa, buf, offset + done, chunk);
            } else {
                ram.read(pa, buf, offset + done, chunk);
            }
            done += chunk;
        }
        return true;
    }
}
