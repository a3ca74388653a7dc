package org.trapdoor.api.memory;

/**
 * One memory access travelling through the machine.
 *
 * <p>An initiator (a CPU, a device's DMA engine) owns its transaction objects and reuses them,
 * so that the hot paths allocate nothing. Each hop may rewrite fields: the host bridge sets
 * {@link #streamId} and {@link #deviceId} from the requester ID, an IOMMU rewrites
 * {@link #address}, the address space sets {@link #offset} before it calls the target's
 * {@link MmioHandler}. A transaction is used by one thread at a time.
 */
public final class MemoryTransaction {
    /** Requester ID value meaning "not from a PCI function" (a CPU access). */
    public static final int NO_REQUESTER = -1;

    /** Physical (or, before an IOMMU, I/O virtual) address of the first byte. */
    public long address;
    /** Offset of {@link #address} inside the region that is handling the access. */
    public long offset;
    /** Access size in bytes: 1, 2, 4 or 8. */
    public int size;
    /** True for a write. */
    public boolean write;
    /** Data written, or data read back (little-endian, low {@link #size} bytes significant). */
    public long data;
    /** PCI requester ID (bus&lt;&lt;8 | devfn) or {@link #NO_REQUESTER}. */
    public int requesterId = NO_REQUESTER;
    /** StreamID seen by the IOMMU, after the bridge's {@code iommu-map}; -1 if none. */
    public int streamId = -1;
    /** DeviceID seen by the MSI controller, after the bridge's {@code msi-map}; -1 if none. */
    public int deviceId = -1;
    /** Result set by the last hop. */
    public MemResult result = MemResult.OK;
    /**
     * True for a message-signalled interrupt write that has not been accounted for yet. Set by the
     * function that sends the MSI; the hop that decides the message's fate (an MSI controller's
     * doorbell, an unbound node, the upstream port when nothing else did) records the outcome in
     * the machine's MSI ledger and clears it, so that no MSI is counted twice or not at all.
     * Cleared by {@link #read} and {@link #write}.
     */
    public boolean msi;

    /** Prepares a read. Clears every routing field. */
    public MemoryTransaction read(long address, int size) {
        return set(address, size, false, 0);
    }

    /** Prepares a write. Clears every routing field. */
    public MemoryTransaction write(long address, int size, long data) {
        return set(address, size, true, data);
    }

    private MemoryTransaction set(long address, int size, boolean write, long data) {
        this.address = address;
        this.offset = 0;
        this.size = size;
        this.write = write;
        this.data = data;
        this.requesterId = NO_REQUESTER;
        this.streamId = -1;
        this.deviceId = -1;
        this.result = MemResult.OK;
        this.msi = false;
        return this;
    }

    /** Marks the write as an MSI (see {@link #msi}). */
    public MemoryTransaction asMsi() {
        this.msi = true;
        return this;
    }

    /** Sets the requester ID (for DMA and MSI from a PCI function). */
    public MemoryTransaction from(int requesterId) {
        this.requesterId = requesterId;
        return this;
    }

    public boolean ok() {
        return result == MemResult.OK;
    }

    /** Marks the transaction as failed with the given result; a failed read returns all-ones. */
    public void fail(MemResult r) {
        result = r;
        if (!write) {
            data = allOnes(size);
        }
    }

    /** The all-ones value of an access of {@code size} bytes. */
    public static long allOnes(int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /** True when {@code size} is 1, 2, 4 or 8. */
    public static boolean validSize(int size) {
        return size == 1 || size == 2 || size == 4 || size == 8;
    }

    @Override
    public String toString() {
        return String.format("%s 0x%x/%d%s%s rid=%s%s -> %s",
                write ? "W" : "R", address, size,
                write ? " data=0x" + Long.toHexString(data) : "",
                !write && result == MemResult.OK ? " data=0x" + Long.toHexString(data) : "",
                requesterId < 0 ? "-" : String.format("%04x", requesterId), msi ? " msi" : "", result);
    }
}
