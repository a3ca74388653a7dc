package org.trapdoor.xen.vpci;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;


/**
 * The hardware domain's trap on one physical ECAM window ({@code domain_vpci_init} for hwdom:
 * one handler per bridge, the SBDF from the window offset plus {@code busn_start}), used by the
 * {@code hwdom-config = vpci} policy. A function Xen has set vPCI up for (after Dom0 reported it)
 * goes through its {@link VpciDevice}; any other reaches the device as Dom0 wrote it. Size and
 * alignment are checked as for a DomU (a refused access is a data abort).
 */
public final class HwdomVpci {
    private final HostConfig bridge;
    /** By {@code (bus - busStart) << 8 | devfn}. */
    private final AtomicReferenceArray<VpciDevice> devices;
    private final LongAdder aborts = new LongAdder();

    public HwdomVpci(HostConfig bridge) {
        this.bridge = bridge;
        this.devices = new AtomicReferenceArray<>((bridge.busEnd() - bridge.busStart() + 1) << 8);
    }

    public HostConfig bridge() {
        return bridge;
    }

    /** Routes the function's accesses through {@code device} (null: straight to the device again). */
    public void set(int bus, int devfn, VpciDevice device) {
        devices.set((bus - bridge.busStart()) << 8 | devfn, device);
    }

    public VpciDevice get(int bus, int devfn) {
        int i = (bus - bridge.busStart()) << 8 | devfn;
        return i >= 0 && i < devices.length() ? devices.get(i) : null;
    }

    /** The trap handler: {@code tx.offset} is relative to the bridge's config window. */
    public void access(MemoryTransaction tx) {
        long off = tx.offset;
        int size = tx.size;
        if (!MemoryTransaction.validSize(size) || (off & (size - 1)) != 0 || off < 0 || off >= bridge.cfgSize()) {
            aborts.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        int index = (int) (off >>> 12);
        int bus = bridge.busStart() + (index >>> 8);
        int devfn = index & 0xff;
        int reg = (int) off & 0xfff;
        VpciDevice dev = index < devices.length() ? devices.get(index) : null;
        tx.result = MemResult.OK;
        int n = size == 8 ? 2 : 1;
        int width = size == 8 ? 4 : size;
        long data = 0;
        for (int i = 0; i < n; i++) {
            int r = reg + i * 4;
            if (tx.write) {
                int v = (int) (tx.data >>> (32 * i));
                if (dev != null) {
                    dev.write(r, width, v);
                } else {
                    bridge.forwardWrite(bus, devfn, r, width, v);
                }
            } else {
                int v = dev != null ? dev.read(r, width) : bridge.forwardRead(bus, devfn, r, width);
                data |= (v & MemoryTransaction.allOnes(width)) << (32 * i);
            }
        }
        if (!tx.write) {
            tx.data = data;
        }
    }

    public long aborts() {
        return aborts.sum();
    }
}
