package org.trapdoor.integration;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * A second, minimal driver for {@code pci-host-ecam-generic}, registered by a test the way a
 * vendor plugin would register its own: it proves that a better-ranked driver takes a live node
 * over, and how little a bridge model needs beyond the API.
 */
final class PlainEcamDriver implements HardwareDriver {
    static final String NAME = "plain-ecam";
    private static final AtomicLong ACCESSES = new AtomicLong();

    static long accesses() {
        return ACCESSES.get();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> compatibles() {
        return List.of("pci-host-ecam-generic");
    }

    @Override
    public DeviceModel create(BindContext ctx) {
        return new Bridge(ctx.node(), ctx.pci());
    }

    private static final class Bridge implements HostBridge, MmioHandler {
        private final PciHierarchy pci;

        Bridge(DtNode node, PciHierarchy pci) {
            this.pci = pci;
        }

        @Override
        public MmioHandler region(int index) {
            return index == 0 ? this : null;
        }

        @Override
        public void access(MemoryTransaction tx) {
            ACCESSES.incrementAndGet();
            int bus = (int) (tx.offset >>> 20) & 0xff;
            int devfn = (int) (tx.offset >>> 12) & 0xff;
            int reg = (int) tx.offset & 0xfff;
            if (tx.write) {
                configWrite(bus, devfn, reg, tx.size, (int) tx.data);
            } else {
                tx.data = configRead(bus, devfn, reg, tx.size) & MemoryTransaction.allOnes(tx.size);
            }
        }

        @Override
        public int busStart() {
            return 0;
        }

        @Override
        public int busEnd() {
            return 255;
        }

        @Override
        public int configRead(int bus, int devfn, int offset, int size) {
            PciFunction f = pci.function(bus, devfn);
            return f == null ? -1 : f.configRead(offset, size);
        }

        @Override
        public void configWrite(int bus, int devfn, int offset, int size, int value) {
            PciFunction f = pci.function(bus, devfn);
            if (f != null) {
                f.configWrite(offset, size, value);
            }
        }

        @Override
        public void outbound(MemoryTransaction tx) {
            for (int rid : pci.requesterIds()) {
                if (pci.function(rid >> 8, rid & 0xff).decodeMemory(tx)) {
                    return;
                }
            }
            tx.fail(org.trapdoor.api.memory.MemResult.DECODE_ERROR);
        }
    }
}
