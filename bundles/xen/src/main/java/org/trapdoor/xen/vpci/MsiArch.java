package org.trapdoor.xen.vpci;

/**
 * What a DomU's MSI capability does to the real device when the guest programs it: Xen's
 * {@code vpci_msi_arch_*} hooks. vPCI keeps the guest's values ({@link VpciMsi}); the
 * implementation (the {@code domu-msi} mechanism in force) decides what reaches the device.
 */
public interface MsiArch {
    /**
     * The guest set MSI Enable with {@code vectors} messages ({@code vpci_msi_arch_enable}).
     *
     * @return false to refuse: the capability stays disabled
     */
    boolean enable(VpciMsi msi, int vectors);

    /** The guest cleared MSI Enable ({@code vpci_msi_arch_disable}). */
    void disable(VpciMsi msi);

    /** The guest changed address or data while enabled ({@code vpci_msi_arch_update}). */
    void update(VpciMsi msi);

    /** The guest changed the mask bit of enabled vector {@code vector} ({@code vpci_msi_arch_mask}). */
    void mask(VpciMsi msi, int vector, boolean masked);
}
