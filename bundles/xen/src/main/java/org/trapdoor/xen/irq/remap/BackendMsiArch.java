package org.trapdoor.xen.irq.remap;

import java.util.function.LongUnaryOperator;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.irq.MsiRemapBackend;
import org.trapdoor.xen.vpci.HostFunction;
import org.trapdoor.xen.vpci.MsiArch;
import org.trapdoor.xen.vpci.VpciMsi;

/**
 * Trap-and-remap for one DomU function whose MSIs go to a host controller Xen cannot virtualise
 * and that has no DeviceIDs (a GICv2m frame, a vendor bridge's MSI block): the controller's
 * {@link MsiRemapBackend} says how its vectors are written and found.
 *
 * <ul>
 * <li>The guest composes its messages for its {@link VirtualV2mFrame} (address MSI_SETSPI_NS,
 *     data = its SPI; vector {@code i} = data + {@code i}), trapped by vPCI ({@link VpciMsi}).</li>
 * <li>On enable Xen takes an aligned block of the controller's vectors ({@link VectorPool}), so
 *     the device's vectors are its own on the controller, and programs the real device with the
 *     controller's doorbell (as the device reaches it: a physical address, or the IPA where Xen
 *     mapped the doorbell page when an IOMMU translates its writes) and the block's first
 *     datum.</li>
 * <li>Per vector it asks {@link SignalRoutes} to route what fires to the guest's SPI: the SPI
 *     itself where a signal is one vector, else a demultiplexing table the backend's
 *     {@link MsiRemapBackend#take} fills.</li>
 * <li>Mask is mirrored to the device's mask bit of the same vector; pending reads the device's.</li>
 * </ul>
 * A message outside the guest's frame, a block Xen cannot find room for, or a guest SPI already
 * routed is refused: the capability stays disabled, counted.
 */
public final class BackendMsiArch implements MsiArch {
    /** Where Xen sends a controller's vector once it fired. */
    public interface SignalRoutes {
        /** Vector {@code vector} of {@code pool}'s controller now raises the guest's {@code guestSpi}; false if it cannot. */
        boolean route(VectorPool pool, int vector, int guestSpi);

        /** Undoes {@link #route}. */
        void unroute(VectorPool pool, int vector, int guestSpi);
    }

    private final VectorPool pool;
    private final SignalRoutes routes;
    private final VirtualV2mFrame frame;
    private final long frameDoorbell;
    private final LongUnaryOperator deviceAddress;
    private final int[] guestSpi = new int[32];
    private final EventCounter refused = new EventCounter();
    private int first = -1;
    private int count;

    /**
     * @param frameDoorbell the IPA the guest's messages must name (its frame's MSI_SETSPI_NS)
     * @param deviceAddress the controller's doorbell (a physical address) as the device must write it
     */
    public BackendMsiArch(VectorPool pool, SignalRoutes routes, VirtualV2mFrame frame, long frameDoorbell,
            LongUnaryOperator deviceAddress) {
        this.pool = pool;
        this.routes = routes;
        this.frame = frame;
        this.frameDoorbell = frameDoorbell;
        this.deviceAddress = deviceAddress;
    }

    @Override
    public synchronized boolean enable(VpciMsi msi, int vectors) {
        if (!valid(msi.guestAddress(), msi.guestData(), vectors)) {
            refused.increment();
            return false;
        }
        release();
        int f = pool.allocate(vectors);
        if (f < 0) {
            refused.increment();
            return false;
        }
        first = f;
        count = vectors;
        if (!route(msi.guestData())) {
            release();
            refused.increment();
            return false;
        }
        MsiRemapBackend b = pool.backend();
        long address = deviceAddress.applyAsLong(b.doorbell(f));
        HostFunction hw = msi.host();
        int pos = msi.position();
        hw.write(pos + 4, 4, (int) address);
        if (msi.address64()) {
            hw.write(pos + 8, 4, (int) (address >>> 32));
        }
        hw.write(pos + (msi.address64() ? 12 : 8), 2, b.data(f));
        if (msi.masking()) {
            hw.write(RemapMsiArch.maskRegister(msi), 4, msi.guestMask());
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
        release();
    }

    @Override
    public synchronized void update(VpciMsi msi) {
        unroute();
        if (!valid(msi.guestAddress(), msi.guestData(), count) || !route(msi.guestData())) {
            // The device keeps Xen's message; nothing reaches the guest until it names its frame again.
            refused.increment();
            unroute();
        }
    }

    @Override
    public void mask(VpciMsi msi, int vector, boolean masked) {
        HostFunction hw = msi.host();
        int reg = RemapMsiArch.maskRegister(msi);
        int now = hw.read(reg, 4);
        hw.write(reg, 4, masked ? now | (1 << vector) : now & ~(1 << vector));
    }

    private boolean valid(long address, int data, int vectors) {
        if (vectors < 1 || address != frameDoorbell || !frame.owns(data) || !frame.owns(data + vectors - 1)) {
            return false;
        }
        return (data - frame.firstSpi()) % vectors == 0;
    }

    private boolean route(int data) {
        for (int i = 0; i < count; i++) {
            if (!routes.route(pool, first + i, data + i)) {
                unroute();
                return false;
            }
            guestSpi[i] = data + i;
        }
        return true;
    }

    private void unroute() {
        for (int i = 0; i < guestSpi.length; i++) {
            if (guestSpi[i] != 0) {
                routes.unroute(pool, first + i, guestSpi[i]);
                guestSpi[i] = 0;
            }
        }
    }

    /** The function leaves the domain or the mechanism: routes go and the vectors return to the pool. */
    public synchronized void release() {
        unroute();
        pool.free(first, count);
        first = -1;
        count = 0;
    }

    /** The guest's SPI for {@code vector}, or 0 when it asked for none. */
    public synchronized int guestSpi(int vector) {
        return vector >= 0 && vector < guestSpi.length ? guestSpi[vector] : 0;
    }

    /** The controller's vector Xen gave the function's {@code vector}, or -1. */
    public synchronized int hostVector(int vector) {
        return first < 0 || vector < 0 || vector >= count ? -1 : first + vector;
    }

    /** Whether a recovered message datum is one this function may send: a vector of its block with a guest SPI. */
    public synchronized boolean legitimate(int data) {
        if (first < 0) {
            return false;
        }
        int i = data - pool.backend().data(first);
        return i >= 0 && i < count && guestSpi[i] != 0;
    }

    /** The controller's hardware, in a word. */
    public String kind() {
        return pool.backend().kind();
    }

    /** Messages refused: composed outside the guest's frame, no room on the controller, an SPI routed already. */
    public long refused() {
        return refused.sum();
    }
}
