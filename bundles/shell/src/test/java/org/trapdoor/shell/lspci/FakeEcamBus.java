package org.trapdoor.shell.lspci;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;

/** A 16-bus ECAM window of config images at {@code base}; everything else is a decode error. */
final class FakeEcamBus implements AddressSpace {
    final long base;
    final Map<Integer, byte[]> fns = new HashMap<>();
    final Set<MemoryTransaction> txs = Collections.newSetFromMap(new IdentityHashMap<>());
    int accesses;

    FakeEcamBus(long base) {
        this.base = base;
    }

    void put(int bus, int devfn, ConfigImage img) {
        fns.put(bus << 8 | devfn, img.bytes());
    }

    @Override
    public void access(MemoryTransaction tx) {
        txs.add(tx);
        accesses++;
        long off = tx.address - base;
        if (tx.write || off < 0 || off >= 16L << 20) {
            tx.fail(MemResult.DECODE_ERROR);
            return;
        }
        byte[] b = fns.get((int) (off >>> 12));
        int reg = (int) (off & 0xfff);
        if (b == null || reg + tx.size > b.length) {
            tx.data = MemoryTransaction.allOnes(tx.size);
            return;
        }
        long v = 0;
        for (int i = 0; i < tx.size; i++) {
            v |= (b[reg + i] & 0xffL) << (8 * i);
        }
        tx.data = v;
    }
}
