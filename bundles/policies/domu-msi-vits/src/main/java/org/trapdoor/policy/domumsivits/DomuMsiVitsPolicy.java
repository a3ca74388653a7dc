package org.trapdoor.policy.domumsivits;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.HypervisorPolicy;

/**
 * The thread's plan for DomUs: the same virtual ITS scheme as Dom0's, per guest, with a map of
 * virtual to physical DeviceIDs, so a guest can only map the devices assigned to it (a foreign
 * DeviceID is a command error, counted) and its device's MSIs arrive as its own virtual LPIs.
 */
@Component(service = {DomuMsiPolicy.class, HypervisorPolicy.class},
        property = {HypervisorPolicy.KIND + "=" + DomuMsiPolicy.KIND, HypervisorPolicy.NAME + "=" + DomuMsiVitsPolicy.NAME})
public final class DomuMsiVitsPolicy implements DomuMsiPolicy {
    public static final String NAME = "vits";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "a virtual ITS per DomU, virtual DeviceIDs mapped to the host's of its own devices";
    }

    @Override
    public void apply(DomuMsiPlumbing domain) {
        domain.virtualIts();
    }
}
