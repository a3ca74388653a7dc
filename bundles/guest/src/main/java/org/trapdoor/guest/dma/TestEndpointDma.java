package org.trapdoor.guest.dma;

import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.guest.mem.Mmio;

/**
 * The kernel's driver for the DMA engine of the test endpoint (vendor 0x1234, device 0x11e9),
 * through its BAR0 registers: a buffer is mapped with the DMA API, the engine is pointed at the
 * bus address and started, its status is read back, and the buffer is unmapped.
 */
public final class TestEndpointDma {
    public static final int VENDOR = 0x1234, DEVICE = 0x11e9;
    static final int DMA_SRC = 0x008, DMA_DST = 0x010, DMA_LEN = 0x018, DMA_CMD = 0x01c, DMA_STATUS = 0x020,
            DMA_FAULT_ADDR = 0x028;
    static final int CMD_START = 1, DIR_TO_BUS = 0, DIR_FROM_BUS = 1;
    static final int STATUS_BUSY = 1, STATUS_DONE = 1 << 1, STATUS_ERROR = 1 << 2;
    /** The endpoint's on-device buffer. */
    public static final int BUFFER_SIZE = 0x800;

    private final DmaApi dma;
    private final Mmio mmio;

    public TestEndpointDma(DmaApi dma, Mmio mmio) {
        this.dma = dma;
        this.mmio = mmio;
    }

    private static long bar0(GuestPciDevice d, int length) {
        if (d.vendorId() != VENDOR || d.deviceId() != DEVICE) {
            throw new IllegalArgumentException(String.format("%s (%04x:%04x) is not a test endpoint (%04x:%04x)", d.bdf(),
                    d.vendorId(), d.deviceId(), VENDOR, DEVICE));
        }
        if (length <= 0 || length > BUFFER_SIZE) {
            throw new IllegalArgumentException(String.format("%s: length %d outside 1..%d (the endpoint's buffer)",
                    d.bdf(), length, BUFFER_SIZE));
        }
        GuestBar bar = d.bar(0);
        if (bar == null || !bar.assigned()) {
            throw new IllegalArgumentException(d.bdf() + ": BAR0 is not assigned");
        }
        return bar.cpuAddress();
    }

    /** Maps {@code phys}, runs the DMA, unmaps. */
    public GuestDmaTest mapped(GuestPciDevice d, long phys, int length, boolean toMemory) {
        long regs = bar0(d, length);
        DmaApi.Direction dir = toMemory ? DmaApi.Direction.FROM_DEVICE : DmaApi.Direction.TO_DEVICE;
        long bus = dma.map(d.bdf(), phys, length, dir);
        try {
            return run(d, regs, phys, bus, length, toMemory, dma.translated(d.bdf()));
        } finally {
            dma.unmap(d.bdf(), bus, length, dir);
        }
    }

    /** Runs the DMA at {@code bus} as given. */
    public GuestDmaTest raw(GuestPciDevice d, long bus, int length, boolean toMemory) {
        return run(d, bar0(d, length), -1, bus, length, toMemory, dma.translated(d.bdf()));
    }

    private GuestDmaTest run(GuestPciDevice d, long regs, long phys, long bus, int length, boolean toMemory,
            boolean translated) {
        mmio.write32(regs + DMA_STATUS, STATUS_DONE | STATUS_ERROR);
        mmio.write64(regs + DMA_SRC, toMemory ? 0 : bus);
        mmio.write64(regs + DMA_DST, toMemory ? bus : 0);
        mmio.write32(regs + DMA_LEN, length);
        mmio.write32(regs + DMA_CMD, (toMemory ? DIR_TO_BUS : DIR_FROM_BUS) << 1 | CMD_START);
        int status = mmio.read32(regs + DMA_STATUS);
        boolean ok = (status & (STATUS_DONE | STATUS_ERROR | STATUS_BUSY)) == STATUS_DONE;
        long fault = ok ? 0 : mmio.read64(regs + DMA_FAULT_ADDR);
        String msg = String.format("%s: DMA %s 0x%x bytes %s bus 0x%x%s: %s", d.bdf(), toMemory ? "write" : "read",
                length, toMemory ? "to" : "from", bus,
                translated ? (phys >= 0 ? String.format(" (IOVA of 0x%x)", phys) : " (IOVA)") : "",
                ok ? "done" : String.format("failed, status 0x%x, fault at 0x%x", status, fault));
        return new GuestDmaTest(d.bdf(), phys, bus, length, toMemory, translated, ok, status, fault, msg);
    }
}
