package org.trapdoor.hw.xlnx.nwl;

import java.util.function.IntToLongFunction;

import org.trapdoor.api.irq.MsiRemapBackend;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;

/**
 * The NWL bridge's MSI block as a hypervisor's trap-and-remap backend: vector {@code v} is bit
 * {@code v} of the 64-bit status bitmap (data = v at the capture address I_MSII_BASE), signalled
 * on msi0 (0..31) or msi1 (32..63). Accesses go to the block's registers (MSGF_MSI_STATUS_LO/HI,
 * write-1-to-clear, and MSGF_MSI_MASK_LO/HI) as a driver makes them:
 * <ul>
 * <li>{@link #take}: read the status half, report the claimed bits and clear exactly those;
 *     the signal goes on to the hardware domain when an enabled bit of its own still waits.</li>
 * <li>{@link #hostAccess}: the hardware domain's driver sees and clears only its own bits, and
 *     its mask writes leave the hypervisor's vectors as the hypervisor set them.</li>
 * </ul>
 */
final class NwlRemapBackend implements MsiRemapBackend {
    private final NwlMsi block;
    private final IntToLongFunction capture;
    private final long window;

    /** @param window the block's physical address (breg + 0x440), or -1 when unknown */
    NwlRemapBackend(NwlMsi block, IntToLongFunction capture, long window) {
        this.block = block;
        this.capture = capture;
        this.window = window;
    }

    @Override
    public String kind() {
        return "nwl-msi";
    }

    @Override
    public int vectors() {
        return NwlMsi.VECTORS;
    }

    @Override
    public long doorbell(int vector) {
        return capture.applyAsLong(0);
    }

    @Override
    public int data(int vector) {
        return vector;
    }

    @Override
    public int signal(int vector) {
        return vector < 32 ? block.spiLo() : block.spiHi();
    }

    @Override
    public boolean signalIdentifiesVector() {
        return false;
    }

    private static int half(long[] claimed, int half) {
        return claimed.length == 0 ? 0 : (int) (claimed[0] >>> (32 * half));
    }

    @Override
    public boolean take(int signal, long[] claimed, Fired fired) {
        int half = signal == block.spiLo() ? 0 : 1;
        int status = (int) block.read(half == 0 ? NwlMsi.STATUS_LO : NwlMsi.STATUS_HI, 4);
        int mine = status & half(claimed, half);
        if (mine != 0) {
            // Clear before reporting: a message arriving after the clear sets its bit again.
            block.write(half == 0 ? NwlMsi.STATUS_LO : NwlMsi.STATUS_HI, 4, mine & 0xffff_ffffL);
        }
        for (int bits = mine; bits != 0; bits &= bits - 1) {
            fired.vector(32 * half + Integer.numberOfTrailingZeros(bits));
        }
        int mask = (int) block.read(half == 0 ? NwlMsi.MASK_LO : NwlMsi.MASK_HI, 4);
        return (status & ~half(claimed, half) & mask) != 0;
    }

    @Override
    public void enable(int vector, boolean on) {
        int reg = vector < 32 ? NwlMsi.MASK_LO : NwlMsi.MASK_HI;
        synchronized (block) {
            int now = (int) block.read(reg, 4);
            int bit = 1 << (vector & 31);
            block.write(reg, 4, (on ? now | bit : now & ~bit) & 0xffff_ffffL);
        }
    }

    @Override
    public long[] hostWindow() {
        return window < 0 ? null : new long[] {window, 16};
    }

    @Override
    public void hostAccess(MemoryTransaction tx, long[] claimed, Fired fired) {
        int off = (int) tx.offset;
        if (tx.size != 4 || (off & 3) != 0 || off >= 16) {
            tx.data = 0;
            tx.result = MemResult.OK;
            return;
        }
        int half = (off >> 2) & 1;
        int hidden = half(claimed, half);
        boolean status = off < NwlMsi.MASK_LO;
        if (!tx.write) {
            tx.data = block.read(off, 4) & ~hidden & 0xffff_ffffL;
        } else if (status) {
            block.write(off, 4, tx.data & ~hidden & 0xffff_ffffL); // W1C of its own bits only
        } else {
            synchronized (block) {
                int now = (int) block.read(off, 4);
                block.write(off, 4, ((tx.data & ~hidden) | (now & hidden)) & 0xffff_ffffL);
            }
        }
        tx.result = MemResult.OK;
    }
}
