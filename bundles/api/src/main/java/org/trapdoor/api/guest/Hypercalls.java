package org.trapdoor.api.guest;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The hypervisor call instruction as a guest CPU executes it ({@code HVC #0xEA1} on Arm: the call
 * number in x16, arguments in x0-x4, the result in x0). Arguments that are structures are
 * intermediate physical addresses of the guest's own memory, which the hypervisor reads and
 * writes through the domain's stage 2, as Xen's {@code copy_from_guest} does.
 */
@ProviderType
public interface Hypercalls {
    /** Returns x0: 0 or a positive value on success, a negative errno ({@code -ENOSYS}, {@code -EINVAL}...) on failure. */
    long hypercall(int number, long a0, long a1, long a2, long a3, long a4);
}
