package org.trapdoor.xen;

import java.util.List;

import org.trapdoor.api.hypervisor.HostBridgeStatus;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.xen.domain.XenDomain;

/**
 * What Xen's PCI subsystem ({@code org.trapdoor.xen.pci}: host bridges, pdevs, the IOMMU contexts,
 * vPCI, the policies) does for the facade: the toolstack's PCI operations and the domain life-cycle
 * hooks. {@link #NONE} is Xen without PCI passthrough ({@code CONFIG_HAS_PCI} off).
 */
public interface PciPassthrough {
    /** Called once Dom0 is built, before its kernel boots (registers the physdev_op handlers). */
    void dom0Built(XenDomain dom0);

    /** Assigns the config's functions to a DomU being built (before its kernel boots); adds its vPCI node. */
    void domainBuilt(XenDomain domU, List<PciSpec> pci);

    /** The domain is being destroyed: its functions go back to quarantine. */
    void domainDestroyed(XenDomain domain);

    void assignableAdd(String bdf);

    void assignableRemove(String bdf);

    List<String> assignableList();

    PciAssignment attach(XenDomain domain, PciSpec spec);

    void detach(XenDomain domain, String bdf);

    List<PciDeviceStatus> devices();

    List<HostBridgeStatus> hostBridges();

    List<PolicyInfo> policies();

    void setPolicy(XenDomain domain, String kind, String name);

    /** No PCI support: every toolstack PCI operation is refused, as with {@code CONFIG_HAS_PCI} off. */
    PciPassthrough NONE = new PciPassthrough() {
        private HypervisorException refused() {
            return new HypervisorException("PCI passthrough is not supported by this Xen (no PCI subsystem)");
        }

        @Override
        public void dom0Built(XenDomain dom0) {
            // physdev_op stays -ENOSYS
        }

        @Override
        public void domainBuilt(XenDomain domU, List<PciSpec> pci) {
            if (!pci.isEmpty()) {
                throw refused();
            }
        }

        @Override
        public void domainDestroyed(XenDomain domain) {
            // nothing assigned
        }

        @Override
        public void assignableAdd(String bdf) {
            throw refused();
        }

        @Override
        public void assignableRemove(String bdf) {
            throw refused();
        }

        @Override
        public List<String> assignableList() {
            return List.of();
        }

        @Override
        public PciAssignment attach(XenDomain domain, PciSpec spec) {
            throw refused();
        }

        @Override
        public void detach(XenDomain domain, String bdf) {
            throw refused();
        }

        @Override
        public List<PciDeviceStatus> devices() {
            return List.of();
        }

        @Override
        public List<HostBridgeStatus> hostBridges() {
            return List.of();
        }

        @Override
        public List<PolicyInfo> policies() {
            return List.of();
        }

        @Override
        public void setPolicy(XenDomain domain, String kind, String name) {
            throw new HypervisorException("no policy kind '" + kind + "' (this Xen has no PCI subsystem)");
        }
    };
}
