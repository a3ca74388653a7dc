package org.trapdoor.api.guest;

import java.util.List;

/**
 * One PCI host controller as the kernel probed it.
 *
 * @param node        device-tree path of the host bridge node
 * @param segment     PCI domain ({@code linux,pci-domain}, or the kernel's own numbering)
 * @param ecamBase    CPU physical address of the ECAM window
 * @param ecamSize    size of the ECAM window
 * @param busFirst    first bus of {@code bus-range}
 * @param busLast     last bus of {@code bus-range}, clamped to what the ECAM window covers
 * @param windows     the memory and I/O apertures from {@code ranges}
 * @param msiParent   device-tree path of the MSI controller the host's devices signal through
 *                    ({@code msi-map} or {@code msi-parent}), or {@code null} when there is none
 * @param problem     why probing failed, or {@code null}
 */
public record GuestPciHost(String node, int segment, long ecamBase, long ecamSize, int busFirst, int busLast,
        List<Window> windows, String msiParent, String problem) {

    public GuestPciHost {
        windows = List.copyOf(windows);
    }

    /**
     * One aperture of the host bridge.
     *
     * @param type         the kind of BAR it can hold
     * @param prefetchable whether the aperture is prefetchable
     * @param pciAddress   first PCI bus address
     * @param cpuAddress   first CPU physical address
     * @param size         size in bytes
     */
    public record Window(GuestBar.Type type, boolean prefetchable, long pciAddress, long cpuAddress, long size) {
    }
}
