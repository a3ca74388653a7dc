package org.trapdoor.guest.irqchip;

import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * The ITS command queue as {@code its_send_single_command} drives it: a 64 KiB ring in guest RAM
 * (GITS_CBASER), each 32-byte command written with CPU stores and, for a command that concerns a
 * collection (MAPC, INVALL, MAPTI, INV, DISCARD; not MAPD), a SYNC to that collection's
 * redistributor right behind it; GITS_CWRITER advanced once, and the caller waiting for
 * GITS_CREADR to catch up. The wait is bounded: a stalled ITS (CREADR.Stalled)
 * or one that never moves is an error the caller logs, not a hang.
 */
final class ItsCommandQueue {
    static final int GITS_CBASER = 0x080;
    static final int GITS_CWRITER = 0x088;
    static final int GITS_CREADR = 0x090;
    static final long SIZE = 0x10000;
    static final int CMD_SIZE = 32;
    /** Linux polls for a second (1 us steps); this many reads stand in for it. */
    static final int POLL_LIMIT = 100_000;

    static final int MAPD = 0x08;
    static final int MAPC = 0x09;
    static final int MAPTI = 0x0A;
    static final int INV = 0x0C;
    static final int INVALL = 0x0D;
    static final int SYNC = 0x05;
    static final int DISCARD = 0x0F;

    private final long its;
    private final Mmio mmio;
    private final PageAllocator pages;
    private long base;
    private long writer;

    ItsCommandQueue(long its, Mmio mmio, PageAllocator pages) {
        this.its = its;
        this.mmio = mmio;
        this.pages = pages;
    }

    /** Allocates the ring and programs CBASER (Valid, inner-shareable, write-back) and CWRITER = 0. */
    void init() {
        base = pages.allocate(SIZE, SIZE);
        long cbaser = 1L << 63 | 7L << 59 | base | 1L << 10 | (SIZE / 4096 - 1);
        mmio.write64(its + GITS_CBASER, cbaser);
        long back = mmio.read64(its + GITS_CBASER);
        if ((back & 0x000F_FFFF_FFFF_F000L) != base || back >= 0) {
            throw new IllegalStateException(String.format("ITS: GITS_CBASER did not take 0x%x (reads 0x%x)", cbaser, back));
        }
        writer = 0;
        mmio.write64(its + GITS_CWRITER, 0);
    }

    long base() {
        return base;
    }

    /**
     * {@code its_send_single_command}: writes the command and, when {@code syncRdbase} is not
     * -1, a SYNC to that redistributor right behind it (the collection the command concerns),
     * publishes both with one CWRITER write, then waits until the ITS has consumed them.
     *
     * @throws IllegalStateException when the queue stays full, the ITS stalls, or CREADR does not
     *                               reach CWRITER within the poll budget
     */
    synchronized void send(long dw0, long dw1, long dw2, long dw3, long syncRdbase) {
        write(dw0, dw1, dw2, dw3);
        if (syncRdbase != -1) {
            write(SYNC, 0, rdbaseField(syncRdbase), 0);
        }
        mmio.write64(its + GITS_CWRITER, writer);
        for (int i = 0; i < POLL_LIMIT; i++) {
            long rd = mmio.read64(its + GITS_CREADR);
            if ((rd & 1) != 0) {
                throw new IllegalStateException(String.format("ITS: command queue stalled at CREADR 0x%x (opcode 0x%02x)",
                        rd & ~1L, dw0 & 0xff));
            }
            if ((rd & 0xF_FFE0L) == writer) {
                return;
            }
        }
        throw new IllegalStateException(String.format("ITS: command 0x%02x not consumed (CREADR 0x%x, CWRITER 0x%x)",
                dw0 & 0xff, mmio.read64(its + GITS_CREADR), writer));
    }

    /** {@code its_allocate_entry}: waits for a free slot, then writes the command there. */
    private void write(long dw0, long dw1, long dw2, long dw3) {
        long next = (writer + CMD_SIZE) % SIZE;
        for (int i = 0; (mmio.read64(its + GITS_CREADR) & 0xF_FFE0L) == next; i++) {
            if (i == POLL_LIMIT) {
                throw new IllegalStateException("ITS: command queue full and not draining");
            }
        }
        long slot = base + writer;
        pages.store(slot, 8, dw0);
        pages.store(slot + 8, 8, dw1);
        pages.store(slot + 16, 8, dw2);
        pages.store(slot + 24, 8, dw3);
        writer = next;
    }

    /** MAPD: DeviceID to ITT ({@code size} = EventID bits - 1); {@code valid} false unmaps. No SYNC follows. */
    void mapd(int deviceId, int size, long itt, boolean valid) {
        send(MAPD | (long) deviceId << 32, size & 0x1f, (valid ? 1L << 63 : 0) | (itt & 0x000F_FFFF_FFFF_FF00L), 0, -1);
    }

    /** MAPC: collection {@code icid} to redistributor {@code rdbase} (an address or a processor number, per PTA), then SYNC. */
    void mapc(int icid, long rdbase, boolean valid) {
        send(MAPC, 0, (valid ? 1L << 63 : 0) | rdbaseField(rdbase) | (icid & 0xffff), 0, rdbase);
    }

    /** INVALL of collection {@code icid} (mapped to {@code rdbase}), then SYNC. */
    void invall(int icid, long rdbase) {
        send(INVALL, 0, icid & 0xffff, 0, rdbase);
    }

    /** MAPTI: (DeviceID, EventID) to LPI {@code intid} in collection {@code icid} (at {@code rdbase}), then SYNC. */
    void mapti(int deviceId, int eventId, int intid, int icid, long rdbase) {
        send(MAPTI | (long) deviceId << 32, (eventId & 0xffff_ffffL) | (long) intid << 32, icid & 0xffff, 0, rdbase);
    }

    /** INV of one event (its collection at {@code rdbase}), then SYNC. */
    void inv(int deviceId, int eventId, long rdbase) {
        send(INV | (long) deviceId << 32, eventId & 0xffff_ffffL, 0, 0, rdbase);
    }

    /** DISCARD of one event (its collection at {@code rdbase}), then SYNC. */
    void discard(int deviceId, int eventId, long rdbase) {
        send(DISCARD | (long) deviceId << 32, eventId & 0xffff_ffffL, 0, 0, rdbase);
    }

    /** RDbase sits in [51:16]: a 64 KiB aligned address as is, a processor number shifted up. */
    private static long rdbaseField(long rdbase) {
        return rdbase & 0x000F_FFFF_FFFF_0000L;
    }
}
