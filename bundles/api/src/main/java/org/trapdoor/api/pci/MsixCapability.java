package org.trapdoor.api.pci;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.trapdoor.api.memory.MemoryTransaction;

/**
 * The MSI-X capability (ID 0x11) and the table and Pending Bit Array it places in a BAR (PCI Local
 * Bus 3.0 §6.8.2). Message Control holds the table size, Function Mask and Enable; each 16-byte
 * table entry holds an address, data and Vector Control (bit 0 masks it; entries reset masked).
 *
 * <p>The table and PBA accept only 4- or 8-byte naturally aligned accesses, as Xen's vPCI does;
 * others read all-ones, are dropped and counted. Software writes to the PBA are ignored. A vector
 * signalled while its entry or the function is masked sets its pending bit and goes out when
 * both are unmasked and MSI-X is enabled; the entry is read when the message is sent.
 */
public final class MsixCapability {
    private final int offset;
    private final int tableSize;
    private final int tableBir;
    private final int tableOffset;
    private final int pbaBir;
    private final int pbaOffset;
    private final ConfigRegister control;
    /** Four dwords per entry: address low, address high, data, vector control. */
    private final AtomicIntegerArray table;
    private final AtomicLongArray pba;
    private final MessagePort port = new MessagePort();
    private final AtomicLong badAccesses = new AtomicLong();

    /**
     * @param tableSize   entries, 1 to 2048
     * @param tableBir    BAR holding the table; {@code tableOffset} 8-byte aligned inside it
     * @param pbaBir      BAR holding the PBA; {@code pbaOffset} 8-byte aligned inside it
     */
    public MsixCapability(ConfigSpace cs, int offset, int next, int tableSize, int tableBir, int tableOffset,
            int pbaBir, int pbaOffset) {
        MsiCapability.checkPlacement("MSI-X", offset, next);
        if (tableSize < 1 || tableSize > 2048) {
            throw new IllegalArgumentException("MSI-X: table size " + tableSize + " is outside 1..2048");
        }
        if (tableBir < 0 || tableBir > 5 || pbaBir < 0 || pbaBir > 5) {
            throw new IllegalArgumentException("MSI-X: table BIR " + tableBir + " or PBA BIR " + pbaBir
                    + " is not a BAR index 0..5");
        }
        if ((tableOffset & 7) != 0 || (pbaOffset & 7) != 0 || tableOffset < 0 || pbaOffset < 0) {
            throw new IllegalArgumentException(String.format(
                    "MSI-X: table offset 0x%x and PBA offset 0x%x must be 8-byte aligned", tableOffset, pbaOffset));
        }
        int pbaBytes = pbaBytes(tableSize);
        if (tableBir == pbaBir && tableOffset < pbaOffset + pbaBytes
                && pbaOffset < tableOffset + tableSize * PciConfig.MSIX_ENTRY_SIZE) {
            throw new IllegalArgumentException(String.format(
                    "MSI-X: table at 0x%x and PBA at 0x%x overlap in BAR%d", tableOffset, pbaOffset, tableBir));
        }
        this.offset = offset;
        this.tableSize = tableSize;
        this.tableBir = tableBir;
        this.tableOffset = tableOffset;
        this.pbaBir = pbaBir;
        this.pbaOffset = pbaOffset;
        this.table = new AtomicIntegerArray(tableSize * 4);
        for (int v = 0; v < tableSize; v++) {
            table.set(v * 4 + 3, PciConfig.MSIX_ENTRY_CTRL_MASKBIT);
        }
        this.pba = new AtomicLongArray((tableSize + 63) / 64);
        cs.constant(offset, 2, PciConfig.CAP_ID_MSIX | (next << 8));
        control = cs.register(offset + PciConfig.MSIX_FLAGS, 2, tableSize - 1,
                PciConfig.MSIX_FLAGS_ENABLE | PciConfig.MSIX_FLAGS_MASKALL).onWrite(this::controlWritten);
        cs.constant(offset + PciConfig.MSIX_TABLE, 4, tableOffset | tableBir);
        cs.constant(offset + PciConfig.MSIX_PBA, 4, pbaOffset | pbaBir);
    }

    /** Bytes of PBA for {@code entries}: one bit each, in whole qwords. */
    public static int pbaBytes(int entries) {
        return (entries + 63) / 64 * 8;
    }

    public int offset() {
        return offset;
    }

    public int tableSize() {
        return tableSize;
    }

    public int tableBir() {
        return tableBir;
    }

    public int tableOffset() {
        return tableOffset;
    }

    public int pbaBir() {
        return pbaBir;
    }

    public int pbaOffset() {
        return pbaOffset;
    }

    /** Connects the capability to the port its messages leave by, gated by Bus Master Enable. */
    public void connect(PciUpstream upstream, ConfigRegister command) {
        port.connect(upstream, command);
    }

    public boolean enabled() {
        return (control.value() & PciConfig.MSIX_FLAGS_ENABLE) != 0;
    }

    public boolean functionMasked() {
        return (control.value() & PciConfig.MSIX_FLAGS_MASKALL) != 0;
    }

    /** The entry's own mask bit (Vector Control bit 0). */
    public boolean entryMasked(int vector) {
        return (table.get(vector * 4 + 3) & PciConfig.MSIX_ENTRY_CTRL_MASKBIT) != 0;
    }

    /** True when the vector may not be sent now: entry or function masked. */
    public boolean masked(int vector) {
        return functionMasked() || entryMasked(vector);
    }

    public boolean pending(int vector) {
        return (pba.get(vector >>> 6) & (1L << vector)) != 0;
    }

    public long address(int vector) {
        return (table.get(vector * 4) & 0xffff_ffffL) | ((long) table.get(vector * 4 + 1) << 32);
    }

    public int data(int vector) {
        return table.get(vector * 4 + 2);
    }

    /** Messages sent upstream (on signal and on unmask). */
    public long sent() {
        return port.sent.sum();
    }

    public long failed() {
        return port.failed.sum();
    }

    /** Table/PBA accesses refused for their size or alignment. */
    public long badAccesses() {
        return badAccesses.get();
    }

    /**
     * The function was reset: every table entry zero and masked, the PBA clear (Message Control
     * is reset by {@link ConfigSpace#resetRegisters()}).
     */
    public void reset() {
        for (int v = 0; v < tableSize; v++) {
            table.set(v * 4, 0);
            table.set(v * 4 + 1, 0);
            table.set(v * 4 + 2, 0);
            table.set(v * 4 + 3, PciConfig.MSIX_ENTRY_CTRL_MASKBIT);
        }
        for (int w = 0; w < pba.length(); w++) {
            pba.set(w, 0);
        }
    }

    /**
     * Signals {@code vector}: a DWORD write of the entry's data to its address, or its pending bit
     * when masked. Allocation-free when one thread signals at a time.
     */
    public MsiOutcome signal(int vector) {
        if (port.signal.on()) {
            // Before the write leaves, so the device's hop comes first in a follow.
            boolean inRange = vector >= 0 && vector < tableSize;
            port.traced(vector, inRange ? address(vector) : 0, inRange ? data(vector) : 0, inRange && masked(vector),
                    enabled());
        }
        return send(vector);
    }

    private MsiOutcome send(int vector) {
        if (!enabled()) {
            return MsiOutcome.DISABLED;
        }
        if (vector < 0 || vector >= tableSize) {
            return MsiOutcome.BAD_VECTOR;
        }
        MsiOutcome blocked = port.blocked();
        if (blocked != null) {
            return blocked;
        }
        if (masked(vector)) {
            setPending(vector);
            if (!masked(vector) && clearPending(vector)) {
                return port.send(address(vector), data(vector));
            }
            return MsiOutcome.PENDING;
        }
        return port.send(address(vector), data(vector));
    }

    private void setPending(int v) {
        long bit = 1L << v;
        int w = v >>> 6;
        long cur;
        do {
            cur = pba.get(w);
        } while (!pba.compareAndSet(w, cur, cur | bit));
    }

    private boolean clearPending(int v) {
        long bit = 1L << v;
        int w = v >>> 6;
        long cur;
        do {
            cur = pba.get(w);
            if ((cur & bit) == 0) {
                return false;
            }
        } while (!pba.compareAndSet(w, cur, cur & ~bit));
        return true;
    }

    private void deliverIfPending(int v) {
        if (enabled() && !masked(v) && port.blocked() == null && clearPending(v)) {
            port.send(address(v), data(v));
        }
    }

    private void controlWritten(int previous, int value) {
        boolean wasLive = (previous & PciConfig.MSIX_FLAGS_ENABLE) != 0 && (previous & PciConfig.MSIX_FLAGS_MASKALL) == 0;
        boolean live = (value & PciConfig.MSIX_FLAGS_ENABLE) != 0 && (value & PciConfig.MSIX_FLAGS_MASKALL) == 0;
        if (live && !wasLive) {
            for (int w = 0; w < pba.length(); w++) {
                long p = pba.get(w);
                while (p != 0) {
                    int v = w * 64 + Long.numberOfTrailingZeros(p);
                    p &= p - 1;
                    deliverIfPending(v);
                }
            }
        }
    }

    /**
     * Performs {@code tx} if it falls in the table or PBA, {@code tx.offset} being the offset in
     * BAR {@code bar}.
     *
     * @return false if the access is outside both (the caller handles it)
     */
    public boolean access(int bar, MemoryTransaction tx) {
        long off = tx.offset;
        int tableBytes = tableSize * PciConfig.MSIX_ENTRY_SIZE;
        boolean inTable = bar == tableBir && off >= tableOffset && off < tableOffset + tableBytes;
        boolean inPba = bar == pbaBir && off >= pbaOffset && off < pbaOffset + pbaBytes(tableSize);
        if (!inTable && !inPba) {
            return false;
        }
        if ((tx.size != 4 && tx.size != 8) || (off & (tx.size - 1)) != 0) {
            badAccesses.incrementAndGet();
            if (!tx.write) {
                tx.data = MemoryTransaction.allOnes(tx.size);
            }
            return true;
        }
        if (inTable) {
            int dword = (int) (off - tableOffset) >>> 2;
            if (tx.write) {
                writeTable(dword, (int) tx.data);
                if (tx.size == 8) {
                    writeTable(dword + 1, (int) (tx.data >>> 32));
                }
            } else {
                long v = table.get(dword) & 0xffff_ffffL;
                if (tx.size == 8) {
                    v |= (long) table.get(dword + 1) << 32;
                }
                tx.data = v;
            }
        } else if (!tx.write) {
            int byteOff = (int) (off - pbaOffset);
            long word = pba.get(byteOff >>> 3);
            tx.data = tx.size == 8 ? word : (word >>> ((byteOff & 4) * 8)) & 0xffff_ffffL;
        }
        return true;
    }

    private void writeTable(int dword, int value) {
        int field = dword & 3;
        int vector = dword >>> 2;
        switch (field) {
            case 0:
                table.set(dword, value & ~3);
                break;
            case 3:
                int previous = table.getAndSet(dword, value & PciConfig.MSIX_ENTRY_CTRL_MASKBIT);
                if ((previous & PciConfig.MSIX_ENTRY_CTRL_MASKBIT) != 0
                        && (value & PciConfig.MSIX_ENTRY_CTRL_MASKBIT) == 0) {
                    deliverIfPending(vector);
                }
                break;
            default:
                table.set(dword, value);
                break;
        }
    }

    @Override
    public String toString() {
        return String.format("MSI-X@0x%02x %s%s %d entries table=BAR%d+0x%x pba=BAR%d+0x%x", offset,
                enabled() ? "on" : "off", functionMasked() ? " masked" : "", tableSize, tableBir, tableOffset,
                pbaBir, pbaOffset);
    }
}
