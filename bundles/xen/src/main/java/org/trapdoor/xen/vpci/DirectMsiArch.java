package org.trapdoor.xen.vpci;

/**
 * The {@code vits} mechanism's MSI hooks: the guest's address, data and mask reach the device as
 * the guest wrote them. That is safe and sufficient under a virtual ITS because the address is an
 * IPA (the guest's vITS GITS_TRANSLATER), which the device's stage 2 in the SMMU maps to the host
 * ITS's doorbell page, and the EventID in the data is checked by the host ITS against the host
 * DeviceID the hardware stamps on the write: a guest can only name events of the device Xen mapped
 * for it (the downstream DomU vPCI MSI work, {@code arm_vmsi.c}, programs the same values).
 *
 * <p>Order as Linux's {@code __pci_write_msi_msg} expects of the hardware: address and data are
 * written while the device's MSI is disabled, Enable with Multiple Message Enable last.
 */
public final class DirectMsiArch implements MsiArch {
    @Override
    public boolean enable(VpciMsi msi, int vectors) {
        HostFunction hw = msi.host();
        writeMessage(msi);
        if (msi.masking()) {
            hw.write(maskRegister(msi), 4, msi.guestMask());
        }
        int control = hw.read(msi.position() + 2, 2);
        control = (control & ~(VpciMsi.FLAGS_QSIZE | VpciMsi.FLAGS_ENABLE))
                | (Integer.numberOfTrailingZeros(vectors) << 4) | VpciMsi.FLAGS_ENABLE;
        hw.write(msi.position() + 2, 2, control);
        return true;
    }

    @Override
    public void disable(VpciMsi msi) {
        HostFunction hw = msi.host();
        int control = hw.read(msi.position() + 2, 2);
        hw.write(msi.position() + 2, 2, control & ~VpciMsi.FLAGS_ENABLE);
    }

    @Override
    public void update(VpciMsi msi) {
        writeMessage(msi);
    }

    @Override
    public void mask(VpciMsi msi, int vector, boolean masked) {
        HostFunction hw = msi.host();
        int reg = maskRegister(msi);
        int now = hw.read(reg, 4);
        hw.write(reg, 4, masked ? now | (1 << vector) : now & ~(1 << vector));
    }

    private static void writeMessage(VpciMsi msi) {
        HostFunction hw = msi.host();
        int pos = msi.position();
        hw.write(pos + 4, 4, (int) msi.guestAddress());
        if (msi.address64()) {
            hw.write(pos + 8, 4, (int) (msi.guestAddress() >>> 32));
        }
        hw.write(pos + (msi.address64() ? 12 : 8), 2, msi.guestData());
    }

    /** The Mask Bits register: after the data (and its reserved upper half). */
    static int maskRegister(VpciMsi msi) {
        return msi.position() + (msi.address64() ? 16 : 12);
    }
}
