package org.trapdoor.shell.xen;

import java.util.List;

import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.HostBridgeStatus;
import org.trapdoor.api.hypervisor.PciDeviceStatus;

/** What {@code xen} shows: the host bridges, every PCI function with its owner, the domains' counters. */
public record XenStatus(String version, List<HostBridgeStatus> bridges, List<PciDeviceStatus> devices,
        List<Domain> domains) {
    public XenStatus {
        bridges = List.copyOf(bridges);
        devices = List.copyOf(devices);
        domains = List.copyOf(domains);
    }
}
