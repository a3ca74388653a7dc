package org.trapdoor.hw.testdev;

import java.util.concurrent.atomic.AtomicBoolean;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiAccounting;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ConfigAccessor;
import org.trapdoor.api.pci.ConfigRegister;
import org.trapdoor.api.pci.ConfigSpace;
import org.trapdoor.api.pci.MsiCapability;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.MsixCapability;
import org.trapdoor.api.pci.PciBar;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.PciDevice;
import org.trapdoor.api.pci.PciUpstream;
import org.trapdoor.api.pci.PcieCapability;
import org.trapdoor.api.register.RangeHandler;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * A DMA-capable PCIe test endpoint in the spirit of QEMU's {@code edu} and {@code pci-testdev}.
 *
 * <p>Config space: vendor 0x1234 (QEMU's test vendor), device 0x11e9, class 0x00ff00; capability
 * list MSI (64-bit, per-vector masking) at 0x40, MSI-X at 0x60 (if any vectors), PCIe v2
 * endpoint at 0x70 with Function Level Reset (Device Capabilities bit 28; Initiate FLR in Device
 * Control resets the function before the write returns: config registers, MSI and MSI-X state
 * (entries masked, nothing pending), the BAR0 registers and the buffer. The counters of the
 * statistics registers are the model's own account of what it did and survive a reset). BAR0 is a 4 KiB 32-bit register block (below); BAR2/3 a 64-bit BAR holding
 * the MSI-X table at 0 and the PBA on the next 4 KiB page.
 *
 * <p>BAR0 registers:
 * <pre>
 *  0x000 ID             RO   device ID &lt;&lt; 16 | version (1.0)
 *  0x004 SCRATCH        RW
 *  0x008 DMA_SRC        RW   64-bit: bus address, or device-buffer offset
 *  0x010 DMA_DST        RW   64-bit: bus address, or device-buffer offset
 *  0x018 DMA_LEN        RW   bytes
 *  0x01c DMA_CMD        RW   [0] START, [2:1] direction (0 buffer-&gt;bus, 1 bus-&gt;buffer, 2 bus-&gt;bus),
 *                            [3] raise a vector when done, [15:8] that vector
 *  0x020 DMA_STATUS     [0] BUSY RO, [1] DONE W1C, [2] ERROR W1C, [7:4] cause (DmaResult ordinal) RO
 *  0x028 DMA_FAULT_ADDR RO   64-bit: bus address of the transaction that failed
 *  0x030 RAISE          WO   doorbell: writing N raises vector N
 *  0x034 RAISE_OUTCOME  RO   MsiOutcome ordinal of the last raise
 *  0x040 RAISES         RO   raise requests
 *  0x044 MSG_SENT       RO   MSI/MSI-X writes that completed upstream (including after unmask)
 *  0x048 MSG_PENDED     RO   raises that found their vector masked and left it pending
 *  0x04c RAISE_REFUSED  RO   raises refused (disabled, bad vector, no bus master, upstream error)
 *  0x050 DMA_DONE       RO
 *  0x054 DMA_FAILED     RO
 *  0x800 BUFFER         RW   2 KiB device buffer
 * </pre>
 *
 * <p>A DMA runs when START is written (or {@link #dma} is called) and completes before the write
 * returns, in naturally aligned transactions of up to 8 bytes through one reused
 * {@link MemoryTransaction}. A failed transaction stops it with ERROR and the cause.
 *
 * <p>MSI accounting: its MSI and MSI-X capabilities mark their writes as MSIs
 * ({@link MemoryTransaction#msi}); the device records the raises it refuses itself in the machine's
 * MSI ledger (the one its upstream port offers through {@link MsiAccounting}): disabled or no
 * bus mastering as {@link DropReason#DISABLED}, a masked vector as {@link DropReason#MASKED}
 * (held pending; its send on unmask is a new MSI), a vector beyond the enabled ones as
 * {@link DropReason#NO_SUCH_VECTOR}. Every other raise is recorded where its write ends.
 */
public final class TestDevice implements PciDevice, MsiSource {
    public static final int VENDOR_ID = 0x1234;
    public static final int DEVICE_ID = 0x11e9;
    public static final int CLASS_CODE = 0x00ff00;
    public static final int REVISION = 0x01;
    public static final int VERSION = 0x0100;

    public static final int MSI_CAP = 0x40;
    public static final int MSIX_CAP = 0x60;
    public static final int PCIE_CAP = 0x70;

    public static final int BAR0_SIZE = 0x1000;
    public static final int BUFFER_OFFSET = 0x800;
    public static final int BUFFER_SIZE = 0x800;
    /** Largest bus-to-bus copy; buffer DMAs are bounded by the buffer. */
    public static final int MAX_BUS_COPY = 1 << 20;

    public static final int REG_ID = 0x000;
    public static final int REG_SCRATCH = 0x004;
    public static final int REG_DMA_SRC = 0x008;
    public static final int REG_DMA_DST = 0x010;
    public static final int REG_DMA_LEN = 0x018;
    public static final int REG_DMA_CMD = 0x01c;
    public static final int REG_DMA_STATUS = 0x020;
    public static final int REG_DMA_FAULT_ADDR = 0x028;
    public static final int REG_RAISE = 0x030;
    public static final int REG_RAISE_OUTCOME = 0x034;
    public static final int REG_RAISES = 0x040;
    public static final int REG_MSG_SENT = 0x044;
    public static final int REG_MSG_PENDED = 0x048;
    public static final int REG_RAISE_REFUSED = 0x04c;
    public static final int REG_DMA_DONE = 0x050;
    public static final int REG_DMA_FAILED = 0x054;

    public static final int CMD_START = 1 << 0;
    public static final int CMD_DIR_SHIFT = 1;
    public static final int CMD_IRQ = 1 << 3;
    public static final int CMD_VECTOR_SHIFT = 8;
    public static final int STATUS_BUSY = 1 << 0;
    public static final int STATUS_DONE = 1 << 1;
    public static final int STATUS_ERROR = 1 << 2;
    public static final int STATUS_CAUSE_SHIFT = 4;

    /** Which way a DMA moves bytes. */
    public enum Direction {
        /** Device buffer (source offset) to bus address (destination). */
        TO_BUS,
        /** Bus address (source) to device buffer (destination offset). */
        FROM_BUS,
        /** Bus address to bus address, through the device. */
        BUS_TO_BUS
    }

    private static final Direction[] DIRECTIONS = Direction.values();
    private static final MsiOutcome[] OUTCOMES = MsiOutcome.values();

    private final int msiVectors;
    private final int msixVectors;
    private final ConfigSpace config = new ConfigSpace(ConfigAccessor.ZERO);
    private final ConfigRegister command;
    private final ConfigRegister status;
    private final PciBar bar0;
    private final PciBar bar2;
    private final MsiCapability msi;
    private final MsixCapability msix;
    private final PcieCapability pcie;

    private final TestDeviceRegisters table = new TestDeviceRegisters();
    private final RegisterBlock regs = table.block;
    private final Register dmaSrc;
    private final Register dmaDst;
    private final Register dmaLen;
    private final Register dmaCmd;
    private final Register dmaStatus;
    private final Register dmaFault;
    private final Register raiseOutcome;
    private final byte[] buffer = new byte[BUFFER_SIZE];

    private volatile PciUpstream upstream;
    /** The machine's MSI ledger, or one of the device's own while it is not in a machine. */
    private volatile InterruptCounters ledger = new InterruptCounters();
    private final MemoryTransaction dmaTx = new MemoryTransaction();
    private final AtomicBoolean dmaBusy = new AtomicBoolean();

    private final EventCounter raises = new EventCounter();
    private final EventCounter pended = new EventCounter();
    private final EventCounter refused = new EventCounter();
    private final EventCounter dmaDone = new EventCounter();
    private final EventCounter dmaFailed = new EventCounter();
    private final EventCounter flrs = new EventCounter();

    /**
     * @param msiVectors  MSI vectors (Multiple Message Capable): 1..32, a power of two
     * @param msixVectors MSI-X table entries: 0..2048 (0: no MSI-X capability and no BAR2)
     */
    public TestDevice(int msiVectors, int msixVectors) {
        if (msiVectors < 1 || msiVectors > 32 || Integer.bitCount(msiVectors) != 1) {
            throw new IllegalArgumentException("testdev: msi=" + msiVectors + " must be a power of two from 1 to 32");
        }
        if (msixVectors < 0 || msixVectors > 2048) {
            throw new IllegalArgumentException("testdev: msix=" + msixVectors + " must be from 0 to 2048");
        }
        this.msiVectors = msiVectors;
        this.msixVectors = msixVectors;

        // Type 0 header.
        config.constant(PciConfig.VENDOR_ID, 2, VENDOR_ID);
        config.constant(PciConfig.DEVICE_ID, 2, DEVICE_ID);
        // No I/O BAR, so I/O Space Enable is hardwired 0; PCIe hardwires the legacy bits too.
        command = config.register(PciConfig.COMMAND, 2, 0, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER
                | PciConfig.COMMAND_PARITY | PciConfig.COMMAND_SERR | PciConfig.COMMAND_INTX_DISABLE);
        status = config.register(PciConfig.STATUS, 2, PciConfig.STATUS_CAP_LIST, 0, PciConfig.STATUS_RW1C);
        config.constant(PciConfig.REVISION_ID, 4, (CLASS_CODE << 8) | REVISION);
        config.register(PciConfig.CACHE_LINE_SIZE, 1, 0, 0xff);
        config.constant(PciConfig.LATENCY_TIMER, 1, 0);
        config.constant(PciConfig.HEADER_TYPE, 1, PciConfig.HEADER_TYPE_NORMAL);
        config.constant(PciConfig.BIST, 1, 0);
        bar0 = PciBar.memory32(config, 0, BAR0_SIZE, false);
        if (msixVectors > 0) {
            int pbaOffset = roundUp(msixVectors * PciConfig.MSIX_ENTRY_SIZE, 0x1000);
            long size = Long.highestOneBit(pbaOffset + MsixCapability.pbaBytes(msixVectors) - 1L) << 1;
            bar2 = PciBar.memory64(config, 2, size, false);
        } else {
            bar2 = null;
        }
        config.constant(PciConfig.SUBSYSTEM_VENDOR_ID, 2, VENDOR_ID);
        config.constant(PciConfig.SUBSYSTEM_ID, 2, DEVICE_ID);
        config.constant(PciConfig.ROM_ADDRESS, 4, 0);
        config.constant(PciConfig.CAPABILITY_LIST, 1, MSI_CAP);
        config.register(PciConfig.INTERRUPT_LINE, 1, 0xff, 0xff);
        // Interrupt pin 0: the device signals by MSI or MSI-X only.
        config.constant(PciConfig.INTERRUPT_PIN, 1, 0);

        msi = new MsiCapability(config, MSI_CAP, msixVectors > 0 ? MSIX_CAP : PCIE_CAP, msiVectors, true, true);
        msix = msixVectors > 0
                ? new MsixCapability(config, MSIX_CAP, PCIE_CAP, msixVectors, 2, 0, 2,
                        roundUp(msixVectors * PciConfig.MSIX_ENTRY_SIZE, 0x1000))
                : null;
        pcie = new PcieCapability(config, PCIE_CAP, 0, 256, 1, 1, this::functionLevelReset);

        // BAR0: the table is TestDeviceRegisters; what reads and writes do.
        dmaSrc = table.dmaSrc;
        dmaDst = table.dmaDst;
        dmaLen = table.dmaLen;
        dmaCmd = table.dmaCmd.onWrite(this::commandWritten);
        dmaStatus = table.dmaStatus;
        dmaFault = table.dmaFaultAddr;
        table.raise.onWrite((prev, v) -> raise((int) table.raiseVector.extract(v)));
        raiseOutcome = table.raiseOutcome;
        table.raises.onRead(raises::sum);
        table.msgSent.onRead(this::messagesSent);
        table.msgPended.onRead(pended::sum);
        table.raiseRefused.onRead(refused::sum);
        table.dmaDone.onRead(dmaDone::sum);
        table.dmaFailed.onRead(dmaFailed::sum);
        regs.range("BUFFER", BUFFER_OFFSET, BUFFER_SIZE, new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                return readBuffer(offset, size);
            }

            @Override
            public void write(int offset, int size, long value) {
                writeBuffer(offset, size, value);
            }
        });
    }

    /**
     * Function Level Reset (PCIe Base §6.6.2): the function's state as after power-up; the link,
     * its upstream port and the statistics counters stay.
     */
    private void functionLevelReset() {
        config.resetRegisters();
        msi.reset();
        if (msix != null) {
            msix.reset();
        }
        regs.reset();
        java.util.Arrays.fill(buffer, (byte) 0);
        flrs.increment();
    }

    /** Function Level Resets done since the device was made. */
    public long functionLevelResets() {
        return flrs.sum();
    }

    private static int roundUp(int v, int to) {
        return (v + to - 1) & -to;
    }

    // ------------------------------------------------------------------ PciDevice

    @Override
    public String type() {
        return "testdev";
    }

    @Override
    public String describe() {
        return "testdev msi=" + msiVectors + " msix=" + msixVectors;
    }

    @Override
    public void connect(PciUpstream up) {
        ledger = up instanceof MsiAccounting a ? a.msiLedger() : new InterruptCounters();
        // The capabilities mark their message writes as MSIs themselves.
        msi.connect(up, command);
        if (msix != null) {
            msix.connect(up, command);
        }
        this.upstream = up;
    }

    // ------------------------------------------------------------------ MsiSource

    @Override
    public String name() {
        PciUpstream up = upstream;
        if (up == null) {
            return "testdev (unplugged)";
        }
        int rid = up.requesterId();
        return String.format("testdev %02x:%02x.%x", rid >> 8 & 0xff, rid >> 3 & 0x1f, rid & 7);
    }

    @Override
    public int requesterId() {
        PciUpstream up = upstream;
        return up == null ? -1 : up.requesterId();
    }

    @Override
    public int vectors() {
        if (msix != null && msix.enabled()) {
            return msix.tableSize();
        }
        return msi.enabled() ? msi.vectorsEnabled() : 0;
    }

    /** The ledger this device's MSIs are counted in (the machine's once plugged). */
    public InterruptCounters msiLedger() {
        return ledger;
    }

    @Override
    public int configRead(int offset, int size) {
        return config.read(offset, size);
    }

    @Override
    public void configWrite(int offset, int size, int value) {
        config.write(offset, size, value);
    }

    @Override
    public boolean decodeMemory(MemoryTransaction tx) {
        if ((command.value() & PciConfig.COMMAND_MEMORY) == 0) {
            return false;
        }
        long off = bar0.offsetOf(tx.address, tx.size);
        if (off >= 0) {
            tx.offset = off;
            regs.access(tx);
            return true;
        }
        if (bar2 != null) {
            off = bar2.offsetOf(tx.address, tx.size);
            if (off >= 0) {
                tx.offset = off;
                if (!msix.access(2, tx) && !tx.write) {
                    // Between the table and the PBA: reserved, reads zero.
                    tx.data = 0;
                }
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ model side

    public ConfigSpace config() {
        return config;
    }

    public MsiCapability msi() {
        return msi;
    }

    /** The MSI-X capability, or {@code null} with {@code msix=0}. */
    public MsixCapability msix() {
        return msix;
    }

    public PcieCapability pcie() {
        return pcie;
    }

    public PciBar bar0() {
        return bar0;
    }

    /** The MSI-X BAR, or {@code null} with {@code msix=0}. */
    public PciBar bar2() {
        return bar2;
    }

    /** The BAR0 register block, for access without a bus address. */
    public RegisterBlock registers() {
        return regs;
    }

    /**
     * Raises {@code vector}: by MSI-X if enabled (pending while masked), else by MSI if enabled
     * (the data's low bits carry the vector, pending while masked), else refused. Every raise is
     * counted by outcome, and accounted for in the MSI ledger; no allocation.
     */
    @Override
    public MsiOutcome raise(int vector) {
        raises.increment();
        MsiOutcome outcome;
        if (msix != null && msix.enabled()) {
            outcome = msix.signal(vector);
        } else if (msi.enabled()) {
            outcome = msi.signal(vector);
        } else {
            outcome = MsiOutcome.DISABLED;
        }
        if (outcome == MsiOutcome.PENDING) {
            pended.increment();
        } else if (outcome != MsiOutcome.SENT) {
            refused.increment();
        }
        account(outcome);
        if (raiseOutcome.value() != outcome.ordinal()) {
            raiseOutcome.set(outcome.ordinal()); // a store only on change: the register is volatile
        }
        return outcome;
    }

    /** Records the raises whose fate the device decides; the others were recorded where their write ended. */
    private void account(MsiOutcome outcome) {
        switch (outcome) {
            case PENDING -> ledger.recordDropped(DropReason.MASKED);
            case DISABLED, NO_BUS_MASTER -> ledger.recordDropped(DropReason.DISABLED);
            case BAD_VECTOR -> ledger.recordDropped(DropReason.NO_SUCH_VECTOR);
            // SENT and FAILED: the write went upstream and was recorded there. NOT_CONNECTED:
            // the device is in no machine, so there is no path to account for.
            default -> {
            }
        }
    }

    /** MSI and MSI-X writes that completed upstream, including those sent on unmask. */
    public long messagesSent() {
        return msi.sent() + (msix != null ? msix.sent() : 0);
    }

    public long raises() {
        return raises.sum();
    }

    public long raisesPended() {
        return pended.sum();
    }

    public long raisesRefused() {
        return refused.sum();
    }

    public long dmasDone() {
        return dmaDone.sum();
    }

    public long dmasFailed() {
        return dmaFailed.sum();
    }

    /** Little-endian read of {@code size} bytes of the device buffer. */
    public long readBuffer(int offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (buffer[offset + i] & 0xff);
        }
        return v;
    }

    /** Little-endian write of {@code size} bytes into the device buffer. */
    public void writeBuffer(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            buffer[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    private void commandWritten(long previous, long value) {
        if (!table.cmdStart.isSetIn(value)) {
            return;
        }
        int dir = (int) table.cmdDir.extract(value);
        DmaResult r;
        try {
            r = dir < DIRECTIONS.length
                    ? dma(DIRECTIONS[dir], dmaSrc.value(), dmaDst.value(), (int) dmaLen.value())
                    : refuse(DmaResult.BAD_REQUEST);
        } finally {
            dmaCmd.set(value & ~table.cmdStart.mask()); // START self-clears however the DMA ended
        }
        if (r != DmaResult.BUSY && table.cmdIrq.isSetIn(value)) {
            raise((int) table.cmdVector.extract(value));
        }
    }

    private DmaResult refuse(DmaResult why) {
        dmaFailed.increment();
        dmaStatus.set(STATUS_DONE | STATUS_ERROR | (why.ordinal() << STATUS_CAUSE_SHIFT));
        return why;
    }

    /**
     * Runs one DMA to completion. {@code src} and {@code dst} are bus addresses or device-buffer
     * offsets as {@code dir} says. Updates DMA_STATUS and the counters as a register-started DMA
     * does.
     */
    public DmaResult dma(Direction dir, long src, long dst, int length) {
        if (!dmaBusy.compareAndSet(false, true)) {
            return DmaResult.BUSY;
        }
        try {
            DmaResult check = check(dir, src, dst, length);
            if (check != DmaResult.OK) {
                return refuse(check);
            }
            dmaStatus.set(STATUS_BUSY);
            pcie.transactionsPending(true);
            DmaResult r = DmaResult.ABORT; // what DMA_STATUS says if the path throws
            try {
                r = move(dir, src, dst, length);
            } finally {
                pcie.transactionsPending(false);
                if (r != DmaResult.OK) {
                    refuse(r);
                }
            }
            if (r == DmaResult.OK) {
                dmaDone.increment();
                dmaStatus.set(STATUS_DONE);
                return r;
            }
            return r;
        } finally {
            dmaBusy.set(false);
        }
    }

    private DmaResult check(Direction dir, long src, long dst, int length) {
        PciUpstream up = upstream;
        if (up == null) {
            return DmaResult.NOT_CONNECTED;
        }
        if ((command.value() & PciConfig.COMMAND_MASTER) == 0) {
            return DmaResult.NO_BUS_MASTER;
        }
        if (dir == null || length <= 0) {
            return DmaResult.BAD_REQUEST;
        }
        switch (dir) {
            case TO_BUS:
                return inBuffer(src, length) ? DmaResult.OK : DmaResult.BAD_REQUEST;
            case FROM_BUS:
                return inBuffer(dst, length) ? DmaResult.OK : DmaResult.BAD_REQUEST;
            default:
                return length <= MAX_BUS_COPY ? DmaResult.OK : DmaResult.BAD_REQUEST;
        }
    }

    /** {@code [offset, offset + length)} lies in the buffer; written so that no sum can wrap. */
    private static boolean inBuffer(long offset, int length) {
        return offset >= 0 && length <= BUFFER_SIZE && offset <= BUFFER_SIZE - length;
    }

    /** The largest naturally aligned access of at most 8 bytes at {@code address} within {@code remaining}. */
    private static int chunk(long address, int remaining) {
        int n = (int) Long.lowestOneBit(address | 8);
        while (n > remaining) {
            n >>>= 1;
        }
        return n;
    }

    private DmaResult move(Direction dir, long src, long dst, int length) {
        PciUpstream up = upstream;
        int rid = up.requesterId();
        MemoryTransaction tx = dmaTx;
        int pos = 0;
        while (pos < length) {
            int rem = length - pos;
            switch (dir) {
                case TO_BUS: {
                    long a = dst + pos;
                    int n = chunk(a, rem);
                    tx.write(a, n, readBuffer((int) src + pos, n)).from(rid);
                    up.send(tx);
                    if (!tx.ok()) {
                        return fault(tx);
                    }
                    pos += n;
                    break;
                }
                case FROM_BUS: {
                    long a = src + pos;
                    int n = chunk(a, rem);
                    tx.read(a, n).from(rid);
                    up.send(tx);
                    if (!tx.ok()) {
                        return fault(tx);
                    }
                    writeBuffer((int) dst + pos, n, tx.data);
                    pos += n;
                    break;
                }
                default: {
                    int n = Math.min(chunk(src + pos, rem), chunk(dst + pos, rem));
                    tx.read(src + pos, n).from(rid);
                    up.send(tx);
                    if (!tx.ok()) {
                        return fault(tx);
                    }
                    long data = tx.data;
                    tx.write(dst + pos, n, data).from(rid);
                    up.send(tx);
                    if (!tx.ok()) {
                        return fault(tx);
                    }
                    pos += n;
                    break;
                }
            }
        }
        return DmaResult.OK;
    }

    /** Records the failed transaction: the PCIe way is a Received Master/Target Abort in Status. */
    private DmaResult fault(MemoryTransaction tx) {
        dmaFault.set(tx.address);
        boolean decode = tx.result == MemResult.DECODE_ERROR;
        status.set(status.value() | (decode ? PciConfig.STATUS_REC_MASTER_ABORT : PciConfig.STATUS_REC_TARGET_ABORT));
        return decode ? DmaResult.DECODE_ERROR : DmaResult.ABORT;
    }

    @Override
    public String toString() {
        return describe();
    }
}
