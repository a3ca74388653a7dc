package org.trapdoor.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
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
     * The bridge plugins' bring-up sequences: Dom0's kernel runs the one for a bridge whose owner
     * policy gives it the bring-up (zcu102's NWL under {@code dom0-init}), as the bare-metal boot does.
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    volatile List<HostBridgeBringUp> bringUps;

    @Override
    public GuestKernel boot(GuestPlatform platform, Map<String, String> cmdline) {
        List<HostBridgeBringUp> b = bringUps;
        return LinuxKernel.boot(platform, params(cmdline).withBringUps(b == null ? List.of() : List.copyOf(b)));
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
