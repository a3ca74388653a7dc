package org.trapdoor.xen.irq.remap;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.xen.irq.host.HostIts;
import org.trapdoor.xen.irq.host.HostLpis;
import org.trapdoor.xen.vpci.HostFunction;
import org.trapdoor.xen.vpci.MsiArch;
import org.trapdoor.xen.vpci.VpciMsi;

/**
 * Edgar Iglesias's trap-and-remap for one DomU function whose MSIs go to a host ITS (the thread's
 * design A, on the controller that reports the vector best: the ITS's EventID, per DeviceID).
 *
 * <ul>
 * <li>vPCI traps the guest's MSI address, data and mask ({@link VpciMsi}); the guest composes its
 *     messages for its {@link VirtualV2mFrame}: address = the frame's MSI_SETSPI_NS, data = the
 *     SPI it wants (vector {@code i} = data + {@code i}).</li>
 * <li>Xen maps the function's host DeviceID on the host ITS itself (Xen's ITT, events rounded up
 *     to a power of two and at least 32) and programs the real device with the real doorbell (the
 *     IPA where the host GITS_TRANSLATER is mapped in the domain's stage 2) and data 0: vector
 *     {@code i} is EventID {@code i}, unique to the device because the ITS keys events by the
 *     DeviceID the hardware stamps, and an aligned block by construction.</li>
 * <li>It remembers, per device and vector, what the guest asked for, in the one place the
 *     physical interrupt is looked up: the host LPI's route word names the guest's SPI. When the
 *     LPI fires, Xen's router finds which vector it was (the LPI is the EventID's) and injects
 *     the guest's expected SPI: one route load, no lock, no allocation.</li>
 * <li>Mask is mirrored to the device's mask bit of the same vector; pending reads the device's
 *     pending bits ({@link VpciMsi}).</li>
 * </ul>
 *
 * A guest that composes a message outside its frame (another address, an SPI the frame does not
 * own, a multi-message block not aligned on the frame as {@code bitmap_find_free_region} aligns
 * it) is refused: the capability stays disabled and the refusal is counted.
 */
public final class RemapMsiArch implements MsiArch {
    private final HostIts its;
    private final HostLpis lpis;
    private final int hostDeviceId;
    private final int slot;
    private final VirtualV2mFrame frame;
    private final long frameDoorbell;
    private final long realDoorbell;
    /** What the guest asked for, per vector: its SPI (0: nothing). */
    private final int[] guestSpi = new int[32];
    private final EventCounter refused = new EventCounter();
    private HostIts.Device device;
    /** Vectors enabled now (0: disabled). */
    private int enabledVectors;

    /**
     * @param frameDoorbell the IPA the guest's messages must name (its frame's MSI_SETSPI_NS)
     * @param realDoorbell  the IPA Xen programs the device with (the host doorbell in its stage 2)
     */
    public RemapMsiArch(HostIts its, HostLpis lpis, int hostDeviceId, int slot, VirtualV2mFrame frame,
            long frameDoorbell, long realDoorbell) {
        this.its = its;
        this.lpis = lpis;
        this.hostDeviceId = hostDeviceId;
        this.slot = slot;
        this.frame = frame;
        this.frameDoorbell = frameDoorbell;
        this.realDoorbell = realDoorbell;
    }

    @Override
    public synchronized boolean enable(VpciMsi msi, int vectors) {
        if (!valid(msi.guestAddress(), msi.guestData(), vectors)) {
            refused.increment();
            return false;
        }
        HostIts.Device d = hostDevice(vectors);
        if (d == null) {
            refused.increment();
            return false;
        }
        route(msi.guestData(), vectors);
        enabledVectors = vectors;
        HostFunction hw = msi.host();
        int pos = msi.position();
        hw.write(pos + 4, 4, (int) realDoorbell);
        if (msi.address64()) {
            hw.write(pos + 8, 4, (int) (realDoorbell >>> 32));
        }
        hw.write(pos + (msi.address64() ? 12 : 8), 2, 0); // EventID 0 + vector
        if (msi.masking()) {
            hw.write(maskRegister(msi), 4, msi.guestMask());
        }
        int control = hw.read(pos + 2, 2);
        hw.write(pos + 2, 2, (control & ~0x71) | (Integer.numberOfTrailingZeros(vectors) << 4) | 1);
        return true;
    }

    @Override
    public synchronized void disable(VpciMsi msi) {
        HostFunction hw = msi.host();
        int control = hw.read(msi.position() + 2, 2);
        hw.write(msi.position() + 2, 2, control & ~1);
        enabledVectors = 0;
        unroute();
    }

    @Override
    public synchronized void update(VpciMsi msi) {
        if (valid(msi.guestAddress(), msi.guestData(), msi.vectors())) {
            route(msi.guestData(), msi.vectors());
        } else {
            // The device keeps Xen's message; nothing reaches the guest until it names its frame again.
            refused.increment();
            unroute();
        }
    }

    @Override
    public void mask(VpciMsi msi, int vector, boolean masked) {
        HostFunction hw = msi.host();
        int reg = maskRegister(msi);
        int now = hw.read(reg, 4);
        hw.write(reg, 4, masked ? now | (1 << vector) : now & ~(1 << vector));
    }

    private boolean valid(long address, int data, int vectors) {
        if (address != frameDoorbell || !frame.owns(data) || !frame.owns(data + vectors - 1)) {
            return false;
        }
        return (data - frame.firstSpi()) % vectors == 0;
    }

    /** The host ITS mapping of the device, Xen's own, with at least {@code vectors} events. */
    private HostIts.Device hostDevice(int vectors) {
        if (device != null && its.device(hostDeviceId) == device && device.events() >= vectors) {
            return device;
        }
        HostIts.Device d = its.device(hostDeviceId);
        if (d != null && d.domainSlot() == slot) {
            its.unmapDevice(hostDeviceId);
        } else if (d != null) {
            return null; // another domain's mapping: not ours to take
        }
        try {
            device = its.mapDevice(hostDeviceId, vectors, slot);
        } catch (RuntimeException e) {
            device = null;
        }
        return device;
    }

    private void route(int data, int vectors) {
        for (int i = 0; i < guestSpi.length; i++) {
            int spi = i < vectors ? data + i : 0;
            guestSpi[i] = spi;
            if (device != null && i < device.events()) {
                lpis.setRoute(device.hostLpi(i), HostLpis.route(slot, 0, spi == 0 ? HostLpis.NO_VIRQ : spi));
            }
        }
    }

    private void unroute() {
        route(0, 0);
    }

    /** Xen's host mapping goes (the function leaves the domain or the mechanism). */
    public synchronized void release() {
        unroute();
        if (device != null && its.device(hostDeviceId) == device) {
            its.unmapDevice(hostDeviceId);
        }
        device = null;
    }

    /**
     * Whether a recovered message (EventID {@code eventId} at Xen's doorbell) is one this device
     * may send: a vector of its enabled MSI for which the guest asked an SPI of its frame.
     */
    public synchronized boolean legitimate(int eventId) {
        return eventId >= 0 && eventId < enabledVectors && guestSpi[eventId] != 0;
    }

    /** The guest's SPI for {@code vector}, or 0 when it asked for none. */
    public synchronized int guestSpi(int vector) {
        return vector >= 0 && vector < guestSpi.length ? guestSpi[vector] : 0;
    }

    /** The host LPI Xen gave {@code vector}, or 0. */
    public synchronized int hostLpi(int vector) {
        return device == null || vector >= device.events() ? 0 : device.hostLpi(vector);
    }

    /** Messages refused: composed outside the guest's frame, or no host mapping possible. */
    public long refused() {
        return refused.sum();
    }

    static int maskRegister(VpciMsi msi) {
        return msi.position() + (msi.address64() ? 16 : 12);
    }
}
