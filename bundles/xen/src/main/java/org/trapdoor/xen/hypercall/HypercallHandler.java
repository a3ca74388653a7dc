package org.trapdoor.xen.hypercall;

import org.trapdoor.xen.domain.XenDomain;

/** One hypercall's implementation: x0-x4 in, x0 out (0 or positive on success, a negative errno). */
@FunctionalInterface
public interface HypercallHandler {
    long call(XenDomain caller, long a0, long a1, long a2, long a3, long a4);
}
