package org.trapdoor.hw.testdev;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.PciUpstream;

/**
 * An upstream port over 64 KiB of RAM at {@link #RAM}: records every transaction, decode-errors
 * outside RAM and aborts inside the window set by {@link #abortFrom}.
 */
final class FakeUpstream implements PciUpstream {
    static final long RAM = 0x4000_0000L;
    final byte[] ram = new byte[0x10000];
    final List<String> log = new ArrayList<>();
    final List<MemoryTransaction> objects = new ArrayList<>();
    long abortFrom = -1;
    long abortTo = -1;

    @Override
    public int requesterId() {
        return 0x0100;
    }

    @Override
    public void send(MemoryTransaction tx) {
        log.add((tx.write ? "W " : "R ") + Long.toHexString(tx.address) + "/" + tx.size
                + (tx.write ? "=" + Long.toHexString(tx.data) : "") + " rid=" + Integer.toHexString(tx.requesterId));
        if (!objects.contains(tx)) {
            objects.add(tx);
        }
        if (tx.address >= abortFrom && tx.address < abortTo) {
            tx.fail(MemResult.ABORT);
            return;
        }
        long off = tx.address - RAM;
        if ((tx.address & 0xffff_ffffL) >= 0xfee0_0000L && (tx.address & 0xffff_ffffL) < 0xfef0_0000L) {
            return; // an MSI doorbell: accepted
        }
        if (off < 0 || off + tx.size > ram.length) {
            tx.fail(MemResult.DECODE_ERROR);
            return;
        }
        if (tx.write) {
            for (int i = 0; i < tx.size; i++) {
                ram[(int) off + i] = (byte) (tx.data >>> (8 * i));
            }
        } else {
            long v = 0;
            for (int i = tx.size - 1; i >= 0; i--) {
                v = (v << 8) | (ram[(int) off + i] & 0xff);
            }
            tx.data = v;
        }
    }
}
