package org.trapdoor.api.register;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;

/**
 * A register map: the table of a device manual, made executable.
 *
 * <p>Dispatch is an array lookup by offset (one slot per 32-bit word), so an access costs no
 * search and no allocation. Accesses narrower than a register read or write its bytes; an access
 * wider than a register is split across the registers it covers. Offsets with nothing declared
 * read as zero and ignore writes (RAZ/WI), and are counted. Access sizes the block does not allow
 * get {@link MemResult#ABORT} (a slave error), also counted.
 */
public final class RegisterBlock implements MmioHandler {
    private static final int SLOT_SHIFT = 2;

    private final String name;
    private final int size;
    private final Object[] slots;
    private final List<Register> registers = new ArrayList<>();
    private int allowedSizes = (1 << 4) | (1 << 8);
    private final AtomicLong unimplemented = new AtomicLong();
    private final AtomicLong badSize = new AtomicLong();

    /** @param size the size in bytes of the register frame */
    public RegisterBlock(String name, int size) {
        if (size <= 0 || (size & 3) != 0) {
            throw new IllegalArgumentException(name + ": frame size must be a positive multiple of 4");
        }
        this.name = name;
        this.size = size;
        this.slots = new Object[size >>> SLOT_SHIFT];
    }

    public String name() {
        return name;
    }

    public int size() {
        return size;
    }

    /** Which access sizes software may use (default 4 and 8 bytes). */
    public RegisterBlock allowSizes(int... sizes) {
        int m = 0;
        for (int s : sizes) {
            m |= 1 << s;
        }
        allowedSizes = m;
        return this;
    }

    public Register reg8(String regName, int offset) {
        return add(regName, offset, 1);
    }

    public Register reg16(String regName, int offset) {
        return add(regName, offset, 2);
    }

    public Register reg32(String regName, int offset) {
        return add(regName, offset, 4);
    }

    public Register reg64(String regName, int offset) {
        return add(regName, offset, 8);
    }

    /** {@code count} 32-bit registers {@code regName0..} at {@code offset + 4*n}. */
    public Register[] reg32Array(String regName, int offset, int count) {
        Register[] r = new Register[count];
        for (int i = 0; i < count; i++) {
            r[i] = reg32(regName + i, offset + 4 * i);
        }
        return r;
    }

    /** {@code count} 64-bit registers {@code regName0..} at {@code offset + 8*n}. */
    public Register[] reg64Array(String regName, int offset, int count) {
        Register[] r = new Register[count];
        for (int i = 0; i < count; i++) {
            r[i] = reg64(regName + i, offset + 8 * i);
        }
        return r;
    }

    /** A run of {@code length} bytes (a multiple of 4) handled by {@code handler}. */
    public void range(String rangeName, int offset, int length, RangeHandler handler) {
        checkPlacement(rangeName, offset, length, 4);
        Range r = new Range(rangeName, offset, length, handler);
        for (int o = offset; o < offset + length; o += 4) {
            occupy(o, r, rangeName);
        }
    }

    private Register add(String regName, int offset, int width) {
        checkPlacement(regName, offset, width, width);
        Register r = new Register(regName, offset, width);
        if (width < 4) {
            // Narrow registers share a word slot; keep them in a small per-word table.
            int slot = offset >>> SLOT_SHIFT;
            Object cur = slots[slot];
            Narrow n;
            if (cur == null) {
                n = new Narrow();
                slots[slot] = n;
            } else if (cur instanceof Narrow) {
                n = (Narrow) cur;
            } else {
                throw overlap(regName, offset, cur);
            }
            for (int b = 0; b < width; b++) {
                if (n.bytes[(offset & 3) + b] != null) {
                    throw overlap(regName, offset, n.bytes[(offset & 3) + b]);
                }
            }
            for (int b = 0; b < width; b++) {
                n.bytes[(offset & 3) + b] = r;
            }
        } else {
            for (int o = offset; o < offset + width; o += 4) {
                occupy(o, r, regName);
            }
        }
        registers.add(r);
        return r;
    }

    private void checkPlacement(String what, int offset, int length, int align) {
        if (offset < 0 || length <= 0 || offset + length > size) {
            throw new IllegalArgumentException(String.format("%s: %s at 0x%x+%d is outside the %d-byte frame",
                    name, what, offset, length, size));
        }
        if (offset % align != 0) {
            throw new IllegalArgumentException(String.format("%s: %s at 0x%x is not %d-byte aligned",
                    name, what, offset, align));
        }
    }

    private void occupy(int offset, Object owner, String what) {
        int slot = offset >>> SLOT_SHIFT;
        if (slots[slot] != null) {
            throw overlap(what, offset, slots[slot]);
        }
        slots[slot] = owner;
    }

    private IllegalArgumentException overlap(String what, int offset, Object existing) {
        return new IllegalArgumentException(String.format("%s: %s at 0x%x overlaps %s", name, what, offset, existing));
    }

    /** Every declared register, in declaration order. */
    public List<Register> registers() {
        return Collections.unmodifiableList(registers);
    }

    /** Restores every register to its reset value. */
    public void reset() {
        for (Register r : registers) {
            r.resetToDefault();
        }
    }

    /** Accesses to offsets where nothing is declared (RAZ/WI). */
    public long unimplementedAccesses() {
        return unimplemented.get();
    }

    /** Accesses refused for their size. */
    public long badSizeAccesses() {
        return badSize.get();
    }

    @Override
    public void access(MemoryTransaction tx) {
        int sz = tx.size;
        long off = tx.offset;
        if (sz > 8 || ((1 << sz) & allowedSizes) == 0 || (off & (sz - 1)) != 0 || off < 0 || off + sz > size) {
            badSize.incrementAndGet();
            tx.fail(MemResult.ABORT);
            return;
        }
        if (tx.write) {
            write((int) off, sz, tx.data);
        } else {
            tx.data = read((int) off, sz);
        }
    }

    /** Software read (size 1, 2, 4 or 8; naturally aligned). */
    public long read(int offset, int sz) {
        if (sz == 8) {
            Object o = slots[offset >>> SLOT_SHIFT];
            if (o instanceof Register && ((Register) o).width() == 8) {
                return ((Register) o).softwareRead(0, 8);
            }
            return (read(offset, 4) & 0xffff_ffffL) | (read(offset + 4, 4) << 32);
        }
        Object o = slots[offset >>> SLOT_SHIFT];
        if (o instanceof Register) {
            Register r = (Register) o;
            return r.softwareRead(offset - r.offset(), sz);
        }
        if (o instanceof Range) {
            Range rg = (Range) o;
            return rg.handler.read(offset - rg.offset, sz);
        }
        if (o instanceof Narrow) {
            return ((Narrow) o).read(offset, sz);
        }
        unimplemented.incrementAndGet();
        return 0;
    }

    /** Software write (size 1, 2, 4 or 8; naturally aligned). */
    public void write(int offset, int sz, long value) {
        if (sz == 8) {
            Object o = slots[offset >>> SLOT_SHIFT];
            if (o instanceof Register && ((Register) o).width() == 8) {
                ((Register) o).softwareWrite(0, 8, value);
                return;
            }
            write(offset, 4, value & 0xffff_ffffL);
            write(offset + 4, 4, value >>> 32);
            return;
        }
        Object o = slots[offset >>> SLOT_SHIFT];
        if (o instanceof Register) {
            Register r = (Register) o;
            r.softwareWrite(offset - r.offset(), sz, value);
        } else if (o instanceof Range) {
            Range rg = (Range) o;
            rg.handler.write(offset - rg.offset, sz, value);
        } else if (o instanceof Narrow) {
            ((Narrow) o).write(offset, sz, value);
        } else {
            unimplemented.incrementAndGet();
        }
    }

    private static final class Range {
        final String name;
        final int offset;
        final int length;
        final RangeHandler handler;

        Range(String name, int offset, int length, RangeHandler handler) {
            this.name = name;
            this.offset = offset;
            this.length = length;
            this.handler = handler;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A 32-bit word holding registers narrower than 32 bits. */
    private final class Narrow {
        final Register[] bytes = new Register[4];

        long read(int offset, int sz) {
            long v = 0;
            int base = offset & 3;
            for (int b = 0; b < sz; b++) {
                Register r = bytes[base + b];
                if (r == null) {
                    unimplemented.incrementAndGet();
                    continue;
                }
                int inReg = (offset & ~3) + base + b - r.offset();
                v |= r.softwareRead(inReg, 1) << (8 * b);
            }
            return v;
        }

        void write(int offset, int sz, long value) {
            int base = offset & 3;
            int b = 0;
            while (b < sz) {
                Register r = bytes[base + b];
                if (r == null) {
                    unimplemented.incrementAndGet();
                    b++;
                    continue;
                }
                int inReg = (offset & ~3) + base + b - r.offset();
                int n = Math.min(r.width() - inReg, sz - b);
                r.softwareWrite(inReg, n, (value >>> (8 * b)) & ((1L << (8 * n)) - 1));
                b += n;
            }
        }

        @Override
        public String toString() {
            return "narrow registers";
        }
    }
}
