package org.trapdoor.api.guest;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Boots guest kernels on platforms a hypervisor builds (one per domain). Registered by the guest
 * bundle; a hypervisor model finds it as a service.
 */
@ProviderType
public interface GuestKernelFactory {
    /**
     * Boots a kernel on {@code platform} and returns it once booted.
     *
     * @param cmdline kernel command-line options by name (e.g. {@code iommu.passthrough}), values as strings
     */
    GuestKernel boot(GuestPlatform platform, Map<String, String> cmdline);
}
