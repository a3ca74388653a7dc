package org.trapdoor.api.pci.ecam;

/**
 * How a config window splits an offset into bus, device/function and register, as Xen's
 * {@code pci_ecam_ops.bus_shift} says it: {@code [busShift+7:busShift]} bus (relative to the
 * first bus of the window), the next 8 bits below it devfn, the rest the register.
 *
 * @param busShift 20 for ECAM (4 KiB per function), 16 for the older CAM (256 bytes)
 */
public record EcamLayout(int busShift) {
    /** PCIe ECAM: 1 MiB per bus, 4 KiB per function ({@code pci_generic_ecam_ops}). */
    public static final EcamLayout ECAM = new EcamLayout(20);
    /** Plain CAM: 64 KiB per bus, 256 bytes per function ({@code pci-host-cam-generic}). */
    public static final EcamLayout CAM = new EcamLayout(16);

    public EcamLayout {
        if (busShift != 16 && busShift != 20) {
            throw new IllegalArgumentException("bus shift " + busShift + " is neither 20 (ECAM) nor 16 (CAM)");
        }
    }

    public int devfnShift() {
        return busShift - 8;
    }

    /** Bytes of config space per function: 4096 for ECAM, 256 for CAM. */
    public int configSize() {
        return 1 << devfnShift();
    }

    /** How many whole buses a window of {@code windowSize} bytes holds. */
    public long buses(long windowSize) {
        return windowSize >>> busShift;
    }

    /** The offset into the window of a register; {@code busIndex} counts from the window's first bus. */
    public long offset(int busIndex, int devfn, int register) {
        return (long) busIndex << busShift | (long) devfn << devfnShift() | register;
    }

    /** The bus index (from the window's first bus) an offset selects. */
    public int busIndex(long offset) {
        return (int) (offset >>> busShift);
    }

    public int devfn(long offset) {
        return (int) (offset >>> devfnShift()) & 0xff;
    }

    public int register(long offset) {
        return (int) offset & (configSize() - 1);
    }
}
