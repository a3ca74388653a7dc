package org.trapdoor.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestKernelFactory;
import org.trapdoor.api.guest.GuestPlatform;
import org.trapdoor.api.pci.host.HostBridgeBringUp;

/**
 * Boots the Linux-like kernel on platforms a hypervisor builds (Dom0, each DomU). Command-line
 * options as on the kernel's command line: {@code iommu.passthrough} (0/1) and
 * {@code vfio-pci.ids} (comma-separated vendor:device pairs); any other option is refused with a
 * clear error rather than silently ignored.
 */
@Component(service = GuestKernelFactory.class)
public final class LinuxKernelFactory implements GuestKernelFactory {
    /**
     * The bridge plugins' bring-up sequences, so Dom0's drivers (nwl_pcie_probe) run them as on
     * bare metal; a kernel holds the list it booted with.
     */
    private final List<HostBridgeBringUp> bringUps = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Reference(service = HostBridgeBringUp.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addBringUp(HostBridgeBringUp b) {
        bringUps.add(b);
    }

    void removeBringUp(HostBridgeBringUp b) {
        bringUps.remove(b);
    }

    @Override
    public GuestKernel boot(GuestPlatform platform, Map<String, String> cmdline) {
        return LinuxKernel.boot(platform, params(cmdline).withBringUps(List.copyOf(bringUps)));
    }

    static LinuxKernel.Params params(Map<String, String> cmdline) {
        boolean passthrough = false;
        List<String> vfio = new ArrayList<>();
        for (Map.Entry<String, String> e : cmdline.entrySet()) {
            String v = e.getValue() == null ? "" : e.getValue().trim();
            switch (e.getKey()) {
                case "iommu.passthrough" -> {
                    if (!v.equals("0") && !v.equals("1")) {
                        throw new IllegalArgumentException("iommu.passthrough=" + v + ": expected 0 or 1");
                    }
                    passthrough = v.equals("1");
                }
                case "vfio-pci.ids" -> {
                    for (String id : v.split(",")) {
                        if (!id.isBlank()) {
                            vfio.add(id.trim());
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown kernel option " + e.getKey());
            }
        }
        return new LinuxKernel.Params(passthrough, vfio);
    }
}
