package org.trapdoor.xen.irq;

import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.testkit.ArrayRam;
import org.trapdoor.xen.irq.vgic.Vgicv3Redistributors;

/**
 * What a guest's irq-gic-v3(-its).c does to its (virtual) redistributors and ITS, with its tables
 * at fixed places in its memory ({@code base} + 0x10000 property table, + 0x20000 pending tables,
 * + 0x40000 command queue, + 0x50000 ITTs, + 0x80000 Device table, + 0x100000 Collection table).
 */
final class GuestItsDriver {
    final ArrayRam ram;
    final MmioHandler its;
    final MmioHandler gicr;
    final long base;
    final int vcpus;
    long cwriter;

    GuestItsDriver(ArrayRam ram, MmioHandler its, MmioHandler gicr, long base, int vcpus) {
        this.ram = ram;
        this.its = its;
        this.gicr = gicr;
        this.base = base;
        this.vcpus = vcpus;
    }

    long prop() {
        return base + 0x10000;
    }

    long queue() {
        return base + 0x40000;
    }

    long itt(int n) {
        return base + 0x50000 + n * 0x1000L;
    }

    /** LPIs on every vCPU with a 14-bit property table, the ITS's tables and queue, enabled, a collection per vCPU. */
    void boot() {
        for (int v = 0; v < vcpus; v++) {
            long f = (long) v * Vgicv3Redistributors.STRIDE;
            HostRig.mmio(gicr, f + 0x70, 8, true, prop() | 13, null);
            HostRig.mmio(gicr, f + 0x78, 8, true, base + 0x20000 + v * 0x10000L, null);
            HostRig.mmio(gicr, f + 0x0, 4, true, 1, null);
        }
        HostRig.mmio(its, 0x100, 8, true, 1L << 63 | 1L << 56 | 7L << 48 | (base + 0x80000) | 2L << 8 | 7, null);
        HostRig.mmio(its, 0x108, 8, true, 1L << 63 | 4L << 56 | 1L << 48 | (base + 0x100000), null);
        HostRig.mmio(its, 0x80, 8, true, 1L << 63 | queue() | 15, null);
        HostRig.mmio(its, 0x88, 8, true, 0, null);
        HostRig.mmio(its, 0x0, 4, true, 1, null);
        cwriter = 0;
        for (int v = 0; v < vcpus; v++) {
            command(0x09, 0, 1L << 63 | (long) v << 16 | v, 0); // MAPC
        }
    }

    void command(long dw0, long dw1, long dw2, long dw3) {
        long slot = queue() + cwriter;
        ram.store(slot, 8, dw0);
        ram.store(slot + 8, 8, dw1);
        ram.store(slot + 16, 8, dw2);
        ram.store(slot + 24, 8, dw3);
        cwriter = (cwriter + 32) % 0x10000;
        HostRig.mmio(its, 0x88, 8, true, cwriter, null);
    }

    void mapd(int devid, int bits, long itt) {
        command(0x08 | (long) devid << 32, bits - 1, 1L << 63 | itt, 0);
    }

    void mapti(int devid, int event, int vlpi, int coll) {
        command(0x0A | (long) devid << 32, event & 0xffff_ffffL | (long) vlpi << 32, coll, 0);
    }

    void inv(int devid, int event) {
        command(0x0C | (long) devid << 32, event, 0, 0);
    }

    void enableVlpi(int vlpi) {
        ram.store(prop() + vlpi - 8192, 1, 0xa0 | 2 | 1);
    }

    /** MAPD, then per vector: property byte enabled, MAPTI to collection (vector % vCPUs), INV. */
    void mapDevice(int devid, int bits, int vectors, int firstVlpi, int ittIndex) {
        mapd(devid, bits, itt(ittIndex));
        for (int e = 0; e < vectors; e++) {
            enableVlpi(firstVlpi + e);
            mapti(devid, e, firstVlpi + e, e % vcpus);
            inv(devid, e);
        }
    }
}
