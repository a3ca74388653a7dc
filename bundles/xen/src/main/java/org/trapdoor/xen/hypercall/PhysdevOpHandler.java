package org.trapdoor.xen.hypercall;

import org.trapdoor.xen.domain.XenDomain;

/**
 * One {@code physdev_op} command: {@code arg} is the IPA of the command's structure in the caller's
 * memory, read with {@link GuestMemory}. Returns 0 or a negative errno.
 */
@FunctionalInterface
public interface PhysdevOpHandler {
    long op(XenDomain caller, long arg);
}
