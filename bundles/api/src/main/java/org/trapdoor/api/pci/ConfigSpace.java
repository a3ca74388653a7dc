package org.trapdoor.api.pci;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The configuration space of one PCI function as a set of register handlers, with the semantics
 * of Xen vPCI ({@code xen/drivers/vpci/vpci.c}).
 *
 * <p>Each handler covers 1, 2 or 4 naturally aligned bytes and has a read and a write callback
 * plus four masks: read-only (preserved on write), RW1C (a partial write never clears them by
 * writing back what it read), RsvdP (read 0, preserved on write) and RsvdZ (read 0, written 0).
 * An access is split across the handlers it touches; the bytes in between (gaps) go to the
 * {@link ConfigAccessor} chosen at construction: {@link ConfigAccessor#ALL_ONES} as Xen does for
 * a DomU, {@link ConfigAccessor#ZERO} for an ordinary device, or real hardware.
 *
 * <p>Accesses look handlers up in a per-byte table: no search, no allocation, no lock. Handlers
 * are added and removed under this object's monitor (set-up and hot-plug paths only); an access
 * that runs at the same time sees each byte either before or after the change. Accesses to one
 * function are expected to be serialised by their caller, as Xen serialises them with the
 * device's vPCI lock: read-modify-write of a register is not atomic against a second writer.
 */
public final class ConfigSpace implements ConfigAccessor {
    /** PCI Express configuration space size. */
    public static final int SIZE = 4096;

    /** Returns the whole register (not shifted) whose first byte is at {@code offset}. */
    @FunctionalInterface
    public interface ReadHandler {
        int read(int offset);
    }

    /** Receives the whole register value, masks already applied, for the register at {@code offset}. */
    @FunctionalInterface
    public interface WriteHandler {
        void write(int offset, int value);
    }

    /** One registered handler (immutable). */
    public static final class Handler {
        final int offset;
        final int size;
        final ReadHandler read;
        final WriteHandler write;
        final int roMask;
        final int rw1cMask;
        final int rsvdpMask;
        final int rsvdzMask;

        Handler(int offset, int size, ReadHandler read, WriteHandler write, int ro, int rw1c, int rsvdp, int rsvdz) {
            this.offset = offset;
            this.size = size;
            this.read = read;
            this.write = write;
            this.roMask = ro;
            this.rw1cMask = rw1c;
            this.rsvdpMask = rsvdp;
            this.rsvdzMask = rsvdz;
        }

        public int offset() {
            return offset;
        }

        public int size() {
            return size;
        }

        @Override
        public String toString() {
            return String.format("handler 0x%03x/%d", offset, size);
        }
    }

    private final ConfigAccessor gaps;
    private final Handler[] byByte = new Handler[SIZE];
    /** Written after every change of {@link #byByte}, read before every access: publishes handlers. */
    private volatile int generation;
    private final AtomicLong badAccesses = new AtomicLong();

    /** @param gaps what answers the bytes no handler covers */
    /** The stored registers, for {@link #resetRegisters()}. */
    private final List<ConfigRegister> stored = new CopyOnWriteArrayList<>();

    public ConfigSpace(ConfigAccessor gaps) {
        if (gaps == null) {
            throw new IllegalArgumentException("a gap policy is required (ConfigAccessor.ALL_ONES, ZERO or hardware)");
        }
        this.gaps = gaps;
    }

    public ConfigAccessor gaps() {
        return gaps;
    }

    // ---------------------------------------------------------------- registration

    /** Adds a handler without masks. */
    public void add(int offset, int size, ReadHandler read, WriteHandler write) {
        add(offset, size, read, write, 0, 0, 0, 0);
    }

    /**
     * Adds a handler, refused as Xen's {@code vpci_add_register_mask} refuses it.
     *
     * @throws IllegalArgumentException   for a bad size, offset, missing callbacks or masks
     * @throws RegisterOverlapException   if a byte of it is already handled
     */
    public synchronized void add(int offset, int size, ReadHandler read, WriteHandler write,
            int roMask, int rw1cMask, int rsvdpMask, int rsvdzMask) {
        if (size != 1 && size != 2 && size != 4) {
            throw new IllegalArgumentException("config register at " + hex(offset) + ": size " + size
                    + " is not 1, 2 or 4");
        }
        if (offset < 0 || offset >= SIZE) {
            throw new IllegalArgumentException("config register at " + hex(offset) + ": offset outside the "
                    + SIZE + "-byte config space");
        }
        if ((offset & (size - 1)) != 0) {
            throw new IllegalArgumentException("config register at " + hex(offset) + ": not aligned to its size "
                    + size);
        }
        if (read == null && write == null) {
            throw new IllegalArgumentException("config register at " + hex(offset) + ": no read and no write callback");
        }
        int[] masks = {roMask, rw1cMask, rsvdpMask, rsvdzMask};
        String[] names = {"RO", "RW1C", "RsvdP", "RsvdZ"};
        for (int i = 0; i < masks.length; i++) {
            for (int j = i + 1; j < masks.length; j++) {
                if ((masks[i] & masks[j]) != 0) {
                    throw new IllegalArgumentException(String.format(
                            "config register at %s: %s and %s masks share bits 0x%x",
                            hex(offset), names[i], names[j], masks[i] & masks[j]));
                }
            }
            if (size < 4 && (masks[i] >>> (8 * size)) != 0) {
                throw new IllegalArgumentException(String.format(
                        "config register at %s: %s mask 0x%x has bits beyond its %d-byte width",
                        hex(offset), names[i], masks[i], size));
            }
        }
        for (int b = offset; b < offset + size; b++) {
            if (byByte[b] != null) {
                throw new RegisterOverlapException("config register at " + hex(offset) + "/" + size
                        + " overlaps the " + byByte[b]);
            }
        }
        Handler h = new Handler(offset, size, read, write, roMask, rw1cMask, rsvdpMask, rsvdzMask);
        for (int b = offset; b < offset + size; b++) {
            byByte[b] = h;
        }
        generation++;
    }

    /**
     * A plain stored register: bits in {@code writable} take the written value, the rest are
     * read-only. Add {@link ConfigRegister#onWrite} for behaviour.
     */
    public ConfigRegister register(int offset, int size, int reset, int writable) {
        return register(offset, size, reset, writable, 0);
    }

    /** A stored register with write-1-to-clear bits {@code rw1c} (not also in {@code writable}). */
    public ConfigRegister register(int offset, int size, int reset, int writable, int rw1c) {
        ConfigRegister r = new ConfigRegister(offset, size, reset, writable, rw1c);
        int width = ConfigRegister.widthMask(size);
        add(offset, size, r::read, r::write, width & ~(writable | rw1c), rw1c & width, 0, 0);
        stored.add(r);
        return r;
    }

    /**
     * Every stored register ({@link #register}, {@link #constant}) back to its reset value, as a
     * Function Level Reset or a conventional reset leaves them; handlers with their own state
     * (capabilities) reset that themselves. Write hooks are not called.
     */
    public void resetRegisters() {
        for (ConfigRegister r : stored) {
            r.reset();
        }
    }

    /** A read-only register holding {@code value} (IDs, capability headers). */
    public ConfigRegister constant(int offset, int size, int value) {
        return register(offset, size, value, 0, 0);
    }

    /**
     * Removes every handler fully inside [{@code start}, {@code start+size}). Nothing is removed
     * if a handler lies only partly inside (Xen's {@code ERANGE}).
     *
     * @return the number of handlers removed
     * @throws RegisterOverlapException when a handler straddles the edge of the range
     */
    public synchronized int remove(int start, int size) {
        if (start < 0 || size <= 0 || start + size > SIZE) {
            throw new IllegalArgumentException("config range " + hex(start) + "+" + size + " is outside config space");
        }
        int end = start + size;
        for (int b = start; b < end; b++) {
            Handler h = byByte[b];
            if (h != null && (h.offset < start || h.offset + h.size > end)) {
                throw new RegisterOverlapException("cannot remove " + hex(start) + "+" + size + ": the " + h
                        + " lies only partly inside");
            }
        }
        int removed = 0;
        for (int b = start; b < end; b++) {
            Handler h = byByte[b];
            if (h != null) {
                if (h.offset == b) {
                    removed++;
                }
                byByte[b] = null;
            }
        }
        generation++;
        return removed;
    }

    /** The handler covering byte {@code offset}, or {@code null} for a gap. */
    public Handler handlerAt(int offset) {
        if (offset < 0 || offset >= SIZE) {
            return null;
        }
        acquire();
        return byByte[offset];
    }

    // ---------------------------------------------------------------- accesses

    /** Accesses refused for their size, alignment or offset (read all-ones, write dropped). */
    public long badAccesses() {
        return badAccesses.get();
    }

    /** A volatile read that makes every completed registration visible to this thread. */
    private int acquire() {
        return generation;
    }

    private boolean valid(int offset, int size) {
        if ((size != 1 && size != 2 && size != 4) || offset < 0 || (offset & (size - 1)) != 0
                || offset + size > SIZE) {
            badAccesses.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Config read of 1, 2 or 4 naturally aligned bytes; a bad access reads all-ones. */
    @Override
    public int read(int offset, int size) {
        if (!valid(offset, size)) {
            return ConfigAccessor.ALL_ONES.read(offset, size == 1 || size == 2 ? size : 4);
        }
        acquire();
        int data = -1;
        int pos = 0;
        while (pos < size) {
            int off = offset + pos;
            Handler h = byByte[off];
            int n;
            int val;
            if (h == null) {
                n = 1;
                while (pos + n < size && byByte[off + n] == null) {
                    n++;
                }
                val = gapRead(off, n);
            } else {
                val = h.read != null ? h.read.read(h.offset) : -1;
                val &= ~(h.rsvdpMask | h.rsvdzMask);
                val >>>= (off - h.offset) * 8;
                n = Math.min(offset + size, h.offset + h.size) - off;
            }
            data = merge(data, val, n, pos);
            pos += n;
        }
        return data & ConfigRegister.widthMask(size);
    }

    /** Config write of 1, 2 or 4 naturally aligned bytes; a bad access is dropped. */
    @Override
    public void write(int offset, int size, int value) {
        if (!valid(offset, size)) {
            return;
        }
        acquire();
        int pos = 0;
        while (pos < size) {
            int off = offset + pos;
            Handler h = byByte[off];
            int data = value >>> (pos * 8);
            int n;
            if (h == null) {
                n = 1;
                while (pos + n < size && byByte[off + n] == null) {
                    n++;
                }
                gapWrite(off, n, data);
            } else {
                n = Math.min(offset + size, h.offset + h.size) - off;
                writeHelper(h, n, off - h.offset, data);
            }
            pos += n;
        }
    }

    /** A possibly partial write to one register (Xen's {@code vpci_write_helper}). */
    private static void writeHelper(Handler h, int size, int byteInReg, int data) {
        int current = 0;
        int preserved = h.roMask | h.rsvdpMask;
        if (size != h.size || preserved != 0) {
            current = h.read != null ? h.read.read(h.offset) : -1;
            current &= ~h.rw1cMask;
            data = merge(current, data, size, byteInReg);
        }
        data &= ~(preserved | h.rsvdzMask);
        data |= current & preserved;
        if (h.write != null) {
            h.write.write(h.offset, data & ConfigRegister.widthMask(h.size));
        }
    }

    /** A gap of 1 to 3 bytes; three bytes go out as two naturally aligned accesses. */
    private int gapRead(int offset, int n) {
        if (n == 3) {
            if ((offset & 1) != 0) {
                return (gaps.read(offset, 1) & 0xff) | ((gaps.read(offset + 1, 2) & 0xffff) << 8);
            }
            return (gaps.read(offset, 2) & 0xffff) | ((gaps.read(offset + 2, 1) & 0xff) << 16);
        }
        return gaps.read(offset, n);
    }

    private void gapWrite(int offset, int n, int data) {
        if (n == 3) {
            if ((offset & 1) != 0) {
                gaps.write(offset, 1, data & 0xff);
                gaps.write(offset + 1, 2, (data >>> 8) & 0xffff);
            } else {
                gaps.write(offset, 2, data & 0xffff);
                gaps.write(offset + 2, 1, (data >>> 16) & 0xff);
            }
            return;
        }
        gaps.write(offset, n, data & ConfigRegister.widthMask(n));
    }

    /**
     * The first {@code length} bytes (64, 256 or 4096) as {@code lspci -x/-xxx/-xxxx} prints them,
     * for {@code lspci -F} and for the config-image endpoint. Reads through the handlers, so it
     * shows what software sees. Slow path: allocates.
     */
    public String dump(int length) {
        if (length != 64 && length != 256 && length != SIZE) {
            throw new IllegalArgumentException("dump length " + length + " is not 64, 256 or 4096");
        }
        StringBuilder sb = new StringBuilder(length * 3 + length / 4);
        for (int line = 0; line < length; line += 16) {
            sb.append(String.format(length > 256 ? "%03x:" : "%02x:", line));
            for (int b = 0; b < 16; b += 4) {
                int v = read(line + b, 4);
                for (int i = 0; i < 4; i++) {
                    sb.append(String.format(" %02x", (v >>> (8 * i)) & 0xff));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Places the low {@code size} bytes of {@code value} at byte {@code at} of {@code data}. */
    private static int merge(int data, int value, int size, int at) {
        int mask = ConfigRegister.widthMask(size);
        return (data & ~(mask << (at * 8))) | ((value & mask) << (at * 8));
    }

    private static String hex(int v) {
        return String.format("0x%03x", v);
    }
}
