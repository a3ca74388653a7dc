package org.trapdoor.api.pci;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MSI capability (ID 0x05), installed into a {@link ConfigSpace}: Message Control, address,
 * data, and with per-vector masking the Mask and Pending registers (PCI Local Bus 3.0 §6.8.1;
 * layout in {@code pci_regs.h}).
 *
 * <p>Multiple Message Capable is fixed by the device; Multiple Message Enable is clamped to it, as
 * Xen's vPCI does. With N = 2^MME vectors granted, vector i is signalled by writing the data with
 * its low log2(N) bits replaced by i. A masked vector sets its pending bit instead and is sent
 * when software unmasks it.
 */
public final class MsiCapability {
    private final int offset;
    private final int maxVectors;
    private final boolean addr64;
    private final boolean perVectorMask;
    private final ConfigRegister control;
    private final ConfigRegister addressLo;
    private final ConfigRegister addressHi;
    private final ConfigRegister data;
    private final ConfigRegister mask;
    private final AtomicInteger pending = new AtomicInteger();
    private final MessagePort port = new MessagePort();

    /**
     * @param offset        where the capability starts (dword aligned, in 0x40..0xff)
     * @param next          the next capability pointer (0 ends the list)
     * @param vectors       vectors the function can use: a power of two, 1 to 32
     * @param addr64        whether the function has the 64-bit address register
     * @param perVectorMask whether it has Mask and Pending registers
     */
    public MsiCapability(ConfigSpace cs, int offset, int next, int vectors, boolean addr64, boolean perVectorMask) {
        if (vectors < 1 || vectors > 32 || Integer.bitCount(vectors) != 1) {
            throw new IllegalArgumentException("MSI: " + vectors + " vectors is not a power of two from 1 to 32");
        }
        checkPlacement("MSI", offset, next);
        this.offset = offset;
        this.maxVectors = vectors;
        this.addr64 = addr64;
        this.perVectorMask = perVectorMask;
        int mmc = Integer.numberOfTrailingZeros(vectors);
        cs.constant(offset, 2, PciConfig.CAP_ID_MSI | (next << 8));
        control = cs.register(offset + PciConfig.MSI_FLAGS, 2,
                (mmc << 1) | (addr64 ? PciConfig.MSI_FLAGS_64BIT : 0) | (perVectorMask ? PciConfig.MSI_FLAGS_MASKBIT : 0),
                PciConfig.MSI_FLAGS_ENABLE | PciConfig.MSI_FLAGS_QSIZE)
                .onWrite(this::controlWritten);
        addressLo = cs.register(offset + PciConfig.MSI_ADDRESS_LO, 4, 0, ~3);
        int dataOff = addr64 ? PciConfig.MSI_DATA_64 : PciConfig.MSI_DATA_32;
        addressHi = addr64 ? cs.register(offset + PciConfig.MSI_ADDRESS_HI, 4, 0, -1) : null;
        data = cs.register(offset + dataOff, 2, 0, 0xffff);
        // Extended Message Data is not implemented: its half of the dword is reserved.
        cs.constant(offset + dataOff + 2, 2, 0);
        if (perVectorMask) {
            int maskOff = addr64 ? PciConfig.MSI_MASK_64 : PciConfig.MSI_MASK_32;
            int implemented = vectors == 32 ? -1 : (1 << vectors) - 1;
            mask = cs.register(offset + maskOff, 4, 0, implemented).onWrite(this::maskWritten);
            // Pending bits are set by the function only: software writes are ignored.
            cs.add(offset + maskOff + 4, 4, o -> pending.get(), null);
        } else {
            mask = null;
        }
    }

    static void checkPlacement(String what, int offset, int next) {
        if (offset < PciConfig.HEADER_END || offset > 0xfc || (offset & 3) != 0) {
            throw new IllegalArgumentException(String.format(
                    "%s capability at 0x%x: must be dword aligned in 0x40..0xfc", what, offset));
        }
        if (next != 0 && (next < PciConfig.HEADER_END || next > 0xfc || (next & 3) != 0)) {
            throw new IllegalArgumentException(String.format(
                    "%s capability at 0x%x: next pointer 0x%x must be 0 or dword aligned in 0x40..0xfc",
                    what, offset, next));
        }
    }

    /** Size of the structure in config space. */
    public int length() {
        return (addr64 ? 14 : 10) + 2 + (perVectorMask ? 8 : 0);
    }

    public int offset() {
        return offset;
    }

    /** The device's Multiple Message Capable, as a vector count. */
    public int maxVectors() {
        return maxVectors;
    }

    /**
     * The function was reset: no vector is pending any more (the registers themselves are reset
     * by {@link ConfigSpace#resetRegisters()}).
     */
    public void reset() {
        pending.set(0);
    }

    /** Connects the capability to the port its messages leave by, gated by Bus Master Enable. */
    public void connect(PciUpstream upstream, ConfigRegister command) {
        port.connect(upstream, command);
    }

    private void controlWritten(int previous, int value) {
        int mme = (value & PciConfig.MSI_FLAGS_QSIZE) >>> 4;
        int mmc = (value & PciConfig.MSI_FLAGS_QMASK) >>> 1;
        if (mme > mmc) {
            control.set((value & ~PciConfig.MSI_FLAGS_QSIZE) | (mmc << 4));
        }
        if ((previous & PciConfig.MSI_FLAGS_ENABLE) == 0 && (value & PciConfig.MSI_FLAGS_ENABLE) != 0) {
            flushPending(-1);
        }
    }

    private void maskWritten(int previous, int value) {
        flushPending(previous & ~value);
    }

    /** Sends every pending vector among {@code unmasked} that is now deliverable. */
    private void flushPending(int unmasked) {
        int p = pending.get() & unmasked;
        while (p != 0) {
            int v = Integer.numberOfTrailingZeros(p);
            p &= p - 1;
            if (enabled() && !masked(v) && port.blocked() == null && clearPending(v)) {
                port.send(address(), messageData(v));
            }
        }
    }

    private void setPending(int v) {
        int cur;
        do {
            cur = pending.get();
        } while (!pending.compareAndSet(cur, cur | (1 << v)));
    }

    private boolean clearPending(int v) {
        int bit = 1 << v;
        int cur;
        do {
            cur = pending.get();
            if ((cur & bit) == 0) {
                return false;
            }
        } while (!pending.compareAndSet(cur, cur & ~bit));
        return true;
    }

    public boolean enabled() {
        return (control.value() & PciConfig.MSI_FLAGS_ENABLE) != 0;
    }

    /** Vectors granted by software: 2^MME. */
    public int vectorsEnabled() {
        return 1 << ((control.value() & PciConfig.MSI_FLAGS_QSIZE) >>> 4);
    }

    /** The message address software programmed. */
    public long address() {
        long a = addressLo.value() & 0xffff_ffffL;
        return addressHi != null ? a | ((long) addressHi.value() << 32) : a;
    }

    /** The Message Data register. */
    public int data() {
        return data.value();
    }

    /** The data written for {@code vector}: Message Data with its low log2(2^MME) bits set to the vector. */
    public int messageData(int vector) {
        int n = vectorsEnabled();
        return (data.value() & ~(n - 1)) | (vector & (n - 1));
    }

    public boolean masked(int vector) {
        return mask != null && (mask.value() & (1 << vector)) != 0;
    }

    public boolean pending(int vector) {
        return (pending.get() & (1 << vector)) != 0;
    }

    /** Messages sent upstream (both on signal and on unmask). */
    public long sent() {
        return port.sent.sum();
    }

    /** Message writes refused upstream. */
    public long failed() {
        return port.failed.sum();
    }

    /**
     * Signals {@code vector}: a DWORD write of {@link #messageData} to {@link #address}, or its
     * pending bit when masked. Allocation-free when one thread signals at a time.
     */
    public MsiOutcome signal(int vector) {
        if (port.signal.on()) {
            // Before the write leaves, so the device's hop comes first in a follow.
            boolean inRange = vector >= 0 && vector < vectorsEnabled();
            port.traced(vector, address(), inRange ? messageData(vector) : 0, inRange && masked(vector), enabled());
        }
        return send(vector);
    }

    private MsiOutcome send(int vector) {
        if (!enabled()) {
            return MsiOutcome.DISABLED;
        }
        if (vector < 0 || vector >= vectorsEnabled()) {
            return MsiOutcome.BAD_VECTOR;
        }
        MsiOutcome blocked = port.blocked();
        if (blocked != null) {
            return blocked;
        }
        if (masked(vector)) {
            setPending(vector);
            // Software may have unmasked between the check and the pending bit: deliver it then.
            if (!masked(vector) && clearPending(vector)) {
                return port.send(address(), messageData(vector));
            }
            return MsiOutcome.PENDING;
        }
        return port.send(address(), messageData(vector));
    }

    @Override
    public String toString() {
        return String.format("MSI@0x%02x %s %d/%d vectors addr=0x%x data=0x%04x mask=0x%x pending=0x%x", offset,
                enabled() ? "on" : "off", vectorsEnabled(), maxVectors, address(), data(),
                mask != null ? mask.value() : 0, pending.get());
    }
}
