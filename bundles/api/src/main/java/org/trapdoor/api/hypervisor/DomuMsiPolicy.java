package org.trapdoor.api.hypervisor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Kind {@code domu-msi}: how an unprivileged domain's PCI devices get message-signalled interrupts,
 * per domain. Upstream Xen on Arm gives them none; the 2017 thread proposed a virtual ITS per
 * guest and Edgar Iglesias's trap-and-remap. A policy picks one of the mechanisms the hypervisor
 * offers through {@link DomuMsiPlumbing}; the hypervisor applies the policy when the domain is
 * built and again when the user switches it.
 */
@ConsumerType
public interface DomuMsiPolicy extends HypervisorPolicy {
    String KIND = "domu-msi";

    /** Sets up (or, on a switch, re-sets up) one DomU's MSI path. */
    void apply(DomuMsiPlumbing domain);
}
