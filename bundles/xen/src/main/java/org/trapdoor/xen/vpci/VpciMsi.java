package org.trapdoor.xen.vpci;

import org.trapdoor.api.pci.ConfigSpace;

/**
 * A DomU's MSI capability as Xen's {@code xen/drivers/vpci/msi.c} emulates it (built on x86 only
 * upstream; here it is what a {@code domu-msi} mechanism that traps MSI builds on): Message Control
 * reads the device's Multiple Message Capable, 64-bit and per-vector-masking bits with the guest's
 * enable and Multiple Message Enable (clamped to what the device supports); address, data and mask
 * are the guest's own values, never written to the device by vPCI; enable, disable, a change of
 * address or data while enabled and a change of an enabled vector's mask go to the {@link MsiArch}.
 * The pending bits read the device's, for the enabled vectors (the mechanism mirrors the guest's
 * mask to the device, so a vector the guest masked holds its message there, pending, as it would
 * on bare metal; upstream leaves them untrapped).
 *
 * <p>Slow path: the guest programs MSI at set-up; the fields are read by the arch hook.
 */
public final class VpciMsi {
    static final int FLAGS_ENABLE = 0x1, FLAGS_QMASK = 0xe, FLAGS_QSIZE = 0x70, FLAGS_64BIT = 0x80, FLAGS_MASKBIT = 0x100;

    private final HostFunction hw;
    private final int pos;
    private final int maxVectors;
    private final boolean address64;
    private final boolean masking;
    private final MsiArch arch;
    private volatile boolean enabled;
    private volatile int vectors = 1;
    private volatile long address;
    private volatile int data;
    private volatile int mask;
    private final int end;

    /**
     * Reads the capability's shape from the device and registers the handlers ({@code init_msi}).
     *
     * @param pos the capability's offset in config space
     */
    VpciMsi(HostFunction hw, ConfigSpace cfg, int pos, MsiArch arch) {
        this.hw = hw;
        this.pos = pos;
        this.arch = arch;
        int control = hw.read(pos + 2, 2);
        this.maxVectors = 1 << ((control & FLAGS_QMASK) >>> 1);
        this.address64 = (control & FLAGS_64BIT) != 0;
        this.masking = (control & FLAGS_MASKBIT) != 0;
        cfg.add(pos + 2, 2, off -> controlRead(), (off, v) -> controlWrite(v));
        cfg.add(pos + 4, 4, off -> (int) address, (off, v) -> {
            address = (address & ~0xffff_ffffL) | (v & 0xffff_ffffL);
            update();
        });
        int dataReg = pos + (address64 ? 12 : 8);
        if (address64) {
            cfg.add(pos + 8, 4, off -> (int) (address >>> 32), (off, v) -> {
                address = (address & 0xffff_ffffL) | (long) v << 32;
                update();
            });
        }
        cfg.add(dataReg, 2, off -> data, (off, v) -> {
            data = v & 0xffff;
            update();
        });
        int maskReg = dataReg + 4;
        if (masking) {
            cfg.add(maskReg, 4, off -> mask, (off, v) -> maskWrite(v));
            cfg.add(maskReg + 4, 4, off -> enabled ? hw.read(off, 4) & enabledVectors() : 0, null);
        }
        // What cleanup removes: control up to the pending bits (or to the end of data without masking).
        this.end = masking ? maskReg + 8 : dataReg + 2;
    }

    private int controlRead() {
        return (Integer.numberOfTrailingZeros(maxVectors) << 1) | (Integer.numberOfTrailingZeros(vectors) << 4)
                | (enabled ? FLAGS_ENABLE : 0) | (masking ? FLAGS_MASKBIT : 0) | (address64 ? FLAGS_64BIT : 0);
    }

    /** {@code control_write}. */
    private void controlWrite(int val) {
        int asked = 1 << ((val & FLAGS_QSIZE) >>> 4);
        int n = Math.min(asked, maxVectors);
        boolean newEnabled = (val & FLAGS_ENABLE) != 0;
        if (newEnabled == enabled && (n == vectors || !enabled)) {
            vectors = n;
            return;
        }
        if (newEnabled) {
            if (enabled) {
                arch.disable(this);
                enabled = false;
            }
            if (!arch.enable(this, n)) {
                return;
            }
        } else {
            arch.disable(this);
        }
        vectors = n;
        enabled = newEnabled;
    }

    private int enabledVectors() {
        return vectors >= 32 ? -1 : (1 << vectors) - 1;
    }

    private void update() {
        if (enabled) {
            arch.update(this);
        }
    }

    /** {@code mask_write}: each enabled vector whose bit changed goes to the arch hook. */
    private void maskWrite(int val) {
        int changed = mask ^ val;
        if (changed == 0) {
            return;
        }
        if (enabled) {
            changed &= vectors >= 32 ? -1 : (1 << vectors) - 1;
            while (changed != 0) {
                int i = Integer.numberOfTrailingZeros(changed);
                arch.mask(this, i, ((val >>> i) & 1) != 0);
                changed &= changed - 1;
            }
        }
        mask = val;
    }

    /** Removes the handlers ({@code cleanup_msi}). */
    void remove(ConfigSpace cfg) {
        cfg.remove(pos + 2, end - (pos + 2));
    }

    public HostFunction host() {
        return hw;
    }

    /** The capability's offset in config space. */
    public int position() {
        return pos;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Messages enabled (Multiple Message Enable, clamped). */
    public int vectors() {
        return vectors;
    }

    /** Messages the device supports (Multiple Message Capable). */
    public int maxVectors() {
        return maxVectors;
    }

    public boolean address64() {
        return address64;
    }

    public boolean masking() {
        return masking;
    }

    /** The address the guest programmed. */
    public long guestAddress() {
        return address;
    }

    /** The data the guest programmed; vector {@code i} is {@code data | i}. */
    public int guestData() {
        return data;
    }

    /** The guest's per-vector mask bits. */
    public int guestMask() {
        return mask;
    }
}
