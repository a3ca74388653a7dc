package org.trapdoor.guest;

import static org.trapdoor.api.pci.PciConfig.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Collections;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ConfigAccessor;
import org.trapdoor.api.pci.ConfigRegister;
import org.trapdoor.api.pci.ConfigSpace;

/**
 * A physical address space with one ECAM window of small fake functions built on the API's
 * config-space model, recording every access the kernel makes.
 */
final class FakeEcam implements AddressSpace {
    /** One recorded access. */
    record Access(boolean write, long address, int size, long data) {
    }

    final long base;
    final int buses;
    private final Map<Integer, Fn> functions = new HashMap<>();
    final List<Access> trace = new ArrayList<>();
    final Set<MemoryTransaction> transactions = Collections.newSetFromMap(new IdentityHashMap<>());

    FakeEcam(long base, int buses) {
        this.base = base;
        this.buses = buses;
    }

    /** A fake function: header registers plus whatever a test installs. */
    static final class Fn {
        final ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        final ConfigRegister command;
        /** Command values seen each time a BAR was written with all-ones. */
        final List<Integer> commandDuringSizing = new ArrayList<>();

        Fn(int vendor, int device, int classCode, int headerType, int capPtr) {
            cs.constant(VENDOR_ID, 4, vendor | device << 16);
            command = cs.register(COMMAND, 2, 0, 0x0547);
            cs.constant(STATUS, 2, capPtr != 0 ? STATUS_CAP_LIST : 0);
            cs.constant(REVISION_ID, 4, classCode << 8 | 0x01);
            cs.constant(HEADER_TYPE, 1, headerType);
            cs.constant(CAPABILITY_LIST, 1, capPtr);
        }
    }

    Fn add(int bus, int devfn, Fn fn) {
        functions.put(bus << 8 | devfn, fn);
        return fn;
    }

    /**
     * A PCI-to-PCI bridge header: bus numbers, an I/O window, a memory window and a 64-bit
     * prefetchable window, with the read-only type nibbles of real bridges.
     */
    static Fn bridge(int vendor, int device) {
        Fn f = new Fn(vendor, device, 0x060400, HEADER_TYPE_BRIDGE, 0);
        f.cs.register(0x18, 4, 0, -1);
        f.cs.register(0x1c, 2, 0, 0xf0f0);
        f.cs.register(0x20, 4, 0, 0xfff0_fff0);
        f.cs.register(0x24, 4, 0x0001_0001, 0xfff0_fff0);
        f.cs.register(0x28, 4, 0, -1);
        f.cs.register(0x2c, 4, 0, -1);
        f.cs.register(0x30, 4, 0, -1);
        return f;
    }

    static Fn endpoint(int vendor, int device) {
        return new Fn(vendor, device, 0x00ff00, HEADER_TYPE_NORMAL, 0);
    }

    @Override
    public void access(MemoryTransaction tx) {
        transactions.add(tx);
        trace.add(new Access(tx.write, tx.address, tx.size, tx.data));
        long off = tx.address - base;
        if (off < 0 || off >= (long) buses << 20) {
            tx.fail(MemResult.DECODE_ERROR);
            return;
        }
        int bdf = (int) (off >>> 12);
        int reg = (int) (off & 0xfff);
        Fn fn = functions.get(bdf);
        if (fn == null) {
            if (!tx.write) {
                tx.data = MemoryTransaction.allOnes(tx.size);
            }
            return;
        }
        if (tx.write) {
            if (reg >= BAR0 && reg < BAR0 + 24 && tx.size == 4 && (int) tx.data == -1) {
                fn.commandDuringSizing.add(fn.command.value());
            }
            fn.cs.write(reg, tx.size, (int) tx.data);
        } else {
            tx.data = fn.cs.read(reg, tx.size) & MemoryTransaction.allOnes(tx.size);
        }
    }

    /** Reads a function's register directly (test assertions only). */
    int config(int bus, int devfn, int reg, int size) {
        return functions.get(bus << 8 | devfn).cs.read(reg, size);
    }
}
