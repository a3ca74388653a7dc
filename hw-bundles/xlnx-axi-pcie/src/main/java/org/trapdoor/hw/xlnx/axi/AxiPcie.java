package org.trapdoor.hw.xlnx.axi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.ConfigSpace;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.ecam.EcamHost;
import org.trapdoor.api.pci.ecam.EcamWindow;
import org.trapdoor.api.pci.ecam.RootPort;
import org.trapdoor.api.pci.ecam.SecondaryBus;
import org.trapdoor.api.model.ModelRef;

/**
 * The Xilinx AXI PCIe root port ({@code xlnx,axi-pcie-host-1.00.a}; Linux {@code pcie-xilinx.c},
 * QEMU {@code hw/pci-host/xilinx-pcie.c}): one region that is the ECAM window, with the bridge's
 * registers in the root port's own config space from 0x130, and one interrupt line for
 * everything. MSIs and INTx events go through the interrupt FIFO (RPIFR1/RPIFR2): a write to the
 * address in MSIBASE1/2 pushes {valid, MSI, data[15:0]}; IDR's MSI bit is set while entries wait
 * and the line is high while {@code IDR & IMR} is non-zero; a write to RPIFR1 or RPIFR2 pops the
 * head.
 *
 * <p>Implementation-defined choices: the FIFO holds {@value #FIFO_DEPTH} entries; a message that
 * finds it full is lost, sets RPSC bit 19 (as QEMU) and is counted {@code FIFO_OVERFLOW}; reading
 * the FIFO empty gives 0 (as QEMU) and popping it empty does nothing, both counted; MSIBASE 0
 * captures nothing. The link is up while a device is attached; config cycles beyond the root bus
 * need it, and outbound accesses need RPSC's bridge enable (as QEMU gates its window on it).
 */
public final class AxiPcie implements HostBridge, MsiController {
    static final int FIFO_DEPTH = 32;
    static final int BIR = 0x130, IDR = 0x138, IMR = 0x13c, PSCR = 0x144, RPSC = 0x148, MSIBASE1 = 0x14c,
            MSIBASE2 = 0x150, RPEFR = 0x154, RPIFR1 = 0x158, RPIFR2 = 0x15c;
    static final int IDR_INTX = 1 << 16, IDR_MSI = 1 << 17;
    static final int PSCR_LNKUP = 1 << 11;
    static final int RPSC_BEN = 1, RPSC_OVERFLOW = 1 << 19;
    static final int RPIFR1_VALID = 1 << 31, RPIFR1_MSI = 1 << 30;
    static final int XILINX_VENDOR = 0x10ee, AXI_ROOT_PORT = 0x7021;
    /** ECAM size field of BIR [18:16]: the window's bus count as a power of two, less... 8 = 256 buses. */
    static final int BIR_ECAM_SZ_SHIFT = 16;

    private final String path;
    private final RootPort port = new RootPort(XILINX_VENDOR, AXI_ROOT_PORT);
    private final SecondaryBus link;
    private final EcamHost ecam;
    private final InterruptFifo fifo = new InterruptFifo(FIFO_DEPTH);
    private final AtomicInteger idr = new AtomicInteger();
    private volatile int imr;
    private volatile int rpsc;
    private volatile long msiBase;
    private final int spi;
    private final ModelRef<InterruptController> gic;
    private final InterruptCounters counters = new InterruptCounters();
    private final InterruptCounters ledger;
    private final LongAdder emptyReads = new LongAdder();
    private final LongAdder emptyPops = new LongAdder();

    AxiPcie(String path, EcamWindow window, PciHierarchy pci, int spi, ModelRef<InterruptController> gic,
            InterruptCounters ledger) {
        this.path = path;
        this.spi = spi;
        this.gic = gic;
        this.ledger = ledger;
        this.link = new SecondaryBus(pci, port, window.busFirst());
        this.ecam = new EcamHost(window, link, port, (bus, devfn) -> bus == window.busFirst() || linkUp());
        ConfigSpace c = port.config();
        int buses = Integer.numberOfTrailingZeros(window.busLast() - window.busFirst() + 1);
        c.constant(BIR, 4, buses << BIR_ECAM_SZ_SHIFT);
        c.add(IDR, 4, o -> idr.get(), (o, v) -> idrWritten(v), 0, 0xffff_ffff, 0, 0);
        c.add(IMR, 4, o -> imr, (o, v) -> {
            imr = v;
            line();
        });
        c.add(PSCR, 4, o -> linkUp() ? PSCR_LNKUP : 0, (o, v) -> { });
        c.add(RPSC, 4, o -> rpsc, (o, v) -> rpsc = (rpsc & RPSC_OVERFLOW) | (v & RPSC_BEN));
        c.add(MSIBASE1, 4, o -> (int) (msiBase >>> 32), (o, v) -> msiBase = (long) v << 32 | (msiBase & 0xffff_ffffL));
        c.add(MSIBASE2, 4, o -> (int) msiBase, (o, v) -> msiBase = (msiBase & ~0xffff_ffffL) | (v & 0xffff_f000L));
        c.constant(RPEFR, 4, 0);
        c.add(RPIFR1, 4, o -> fifoRead(true), (o, v) -> pop());
        c.add(RPIFR2, 4, o -> fifoRead(false), (o, v) -> pop());
    }

    boolean linkUp() {
        return link.anyDevice();
    }

    private int fifoRead(boolean first) {
        long e = fifo.peek();
        if (e == 0) {
            emptyReads.increment();
            return 0;
        }
        return first ? (int) (e >>> 32) : (int) e & 0xffff;
    }

    private void pop() {
        if (!fifo.pop()) {
            emptyPops.increment();
        }
    }

    /** IDR is write-1-to-clear; its MSI bit stays set while entries wait in the FIFO. */
    private void idrWritten(int ones) {
        int prev;
        int next;
        do {
            prev = idr.get();
            next = prev & ~ones;
            if (!fifo.isEmpty()) {
                next |= IDR_MSI;
            }
        } while (!idr.compareAndSet(prev, next));
        line();
    }

    /** The output line's level, lowered then checked again so that a push in between is not lost. */
    private void line() {
        InterruptController g = gic.get();
        if (g == null) {
            return;
        }
        if ((idr.get() & imr) != 0) {
            g.raiseSpi(spi);
            return;
        }
        g.lowerSpi(spi);
        if ((idr.get() & imr) != 0) {
            g.raiseSpi(spi);
        }
    }

    /** The FIFO's side of a captured message: null when it waits in the FIFO with the line up. */
    DropReason push(long data) {
        if (!fifo.push((long) (RPIFR1_VALID | RPIFR1_MSI) << 32 | (data & 0xffff))) {
            synchronized (this) {
                rpsc |= RPSC_OVERFLOW;
            }
            return DropReason.FIFO_OVERFLOW;
        }
        int prev;
        do {
            prev = idr.get();
        } while (!idr.compareAndSet(prev, prev | IDR_MSI));
        if ((imr & IDR_MSI) == 0) {
            return DropReason.INTERRUPT_DISABLED;
        }
        InterruptController g = gic.get();
        if (g == null) {
            return DropReason.NO_INTERRUPT_CONTROLLER;
        }
        DropReason r = g.raiseSpi(spi);
        // The line already high: the entry still waits in the FIFO the handler drains.
        return r == DropReason.COALESCED ? null : r;
    }

    @Override
    public boolean interceptUpstream(MemoryTransaction tx) {
        long at = msiBase;
        if (!tx.write || at == 0 || tx.address != at) {
            return false;
        }
        DropReason r = tx.size == 2 || tx.size == 4 ? push(tx.data) : DropReason.BAD_ACCESS_SIZE;
        counters.record(r);
        if (tx.msi) {
            tx.msi = false;
            ledger.record(r);
        }
        tx.result = MemResult.OK;
        return true;
    }

    /** The attached functions answer on the root port's secondary bus. */
    @Override
    public int configRequesterId(int attached) {
        return link.configRequesterId(attached);
    }

    @Override
    public boolean ready() {
        return linkUp();
    }

    @Override
    public MmioHandler region(int index) {
        return ecam.region(index);
    }

    @Override
    public int busStart() {
        return ecam.busStart();
    }

    @Override
    public int busEnd() {
        return ecam.busEnd();
    }

    @Override
    public int configRead(int bus, int devfn, int offset, int size) {
        return ecam.configRead(bus, devfn, offset, size);
    }

    @Override
    public void configWrite(int bus, int devfn, int offset, int size, int value) {
        ecam.configWrite(bus, devfn, offset, size, value);
    }

    @Override
    public void outbound(MemoryTransaction tx) {
        if ((rpsc & RPSC_BEN) == 0) {
            tx.fail(MemResult.DECODE_ERROR);
            return;
        }
        ecam.outbound(tx);
    }

    @Override
    public long doorbellAddress(int deviceId) {
        return msiBase;
    }

    /** Its vectors reach the CPU through one parent interrupt and a chained handler. */
    @Override
    public Delivery delivery() {
        return Delivery.CHAINED;
    }

    @Override
    public boolean needsDeviceId() {
        return false;
    }

    @Override
    public String description() {
        return "AXI PCIe: data = vector through the interrupt FIFO, SPI " + spi + ", no DeviceID";
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    int fifoSize() {
        return fifo.size();
    }

    /** FIFO reads that found it empty (answered 0). */
    public long emptyReads() {
        return emptyReads.sum();
    }

    /** Pops of an empty FIFO (ignored). */
    public long emptyPops() {
        return emptyPops.sum();
    }

    @Override
    public String summary() {
        return String.format("AXI PCIe: link %s, bridge %s, FIFO %d/%d%s, %d empty reads, %d empty pops; %s; MSI %s",
                linkUp() ? "up" : "down", (rpsc & RPSC_BEN) != 0 ? "enabled" : "disabled", fifo.size(), FIFO_DEPTH,
                (rpsc & RPSC_OVERFLOW) != 0 ? " (overflowed)" : "", emptyReads(), emptyPops(), ecam.summary(),
                counters.snapshot());
    }

    @Override
    public String toString() {
        return "AXI PCIe " + path;
    }
}
