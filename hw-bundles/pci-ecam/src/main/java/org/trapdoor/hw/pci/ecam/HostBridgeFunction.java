package org.trapdoor.hw.pci.ecam;

import static org.trapdoor.api.pci.PciConfig.CACHE_LINE_SIZE;
import static org.trapdoor.api.pci.PciConfig.CLASS_PROG;
import static org.trapdoor.api.pci.PciConfig.COMMAND;
import static org.trapdoor.api.pci.PciConfig.COMMAND_INTX_DISABLE;
import static org.trapdoor.api.pci.PciConfig.COMMAND_IO;
import static org.trapdoor.api.pci.PciConfig.COMMAND_MASTER;
import static org.trapdoor.api.pci.PciConfig.COMMAND_MEMORY;
import static org.trapdoor.api.pci.PciConfig.COMMAND_PARITY;
import static org.trapdoor.api.pci.PciConfig.COMMAND_SERR;
import static org.trapdoor.api.pci.PciConfig.DEVICE_ID;
import static org.trapdoor.api.pci.PciConfig.HEADER_TYPE;
import static org.trapdoor.api.pci.PciConfig.HEADER_TYPE_NORMAL;
import static org.trapdoor.api.pci.PciConfig.INTERRUPT_LINE;
import static org.trapdoor.api.pci.PciConfig.LATENCY_TIMER;
import static org.trapdoor.api.pci.PciConfig.REVISION_ID;
import static org.trapdoor.api.pci.PciConfig.STATUS;
import static org.trapdoor.api.pci.PciConfig.STATUS_RW1C;
import static org.trapdoor.api.pci.PciConfig.SUBSYSTEM_ID;
import static org.trapdoor.api.pci.PciConfig.SUBSYSTEM_VENDOR_ID;
import static org.trapdoor.api.pci.PciConfig.VENDOR_ID;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ConfigAccessor;
import org.trapdoor.api.pci.ConfigSpace;
import org.trapdoor.api.pci.PciFunction;

/**
 * The host bridge's own function at 00:00.0, as QEMU's gpex presents it: a Red Hat "QEMU PCIe
 * Host bridge" (1b36:0008), class 06/00/00, type 0 header without BARs or capabilities.
 * Unimplemented registers read zero and ignore writes.
 */
final class HostBridgeFunction implements PciFunction {
    static final int VENDOR_REDHAT = 0x1b36;
    static final int DEVICE_GPEX = 0x0008;
    static final int CLASS_HOST_BRIDGE = 0x060000;
    static final int SUBSYS_VENDOR_QEMU = 0x1af4;
    static final int SUBSYS_QEMU = 0x1100;

    private final ConfigSpace config = new ConfigSpace(ConfigAccessor.ZERO);

    HostBridgeFunction() {
        config.constant(VENDOR_ID, 2, VENDOR_REDHAT);
        config.constant(DEVICE_ID, 2, DEVICE_GPEX);
        config.register(COMMAND, 2, 0, COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | COMMAND_PARITY
                | COMMAND_SERR | COMMAND_INTX_DISABLE);
        // No error is ever signalled; the error bits still behave as write-1-to-clear.
        config.register(STATUS, 2, 0, 0, STATUS_RW1C);
        config.constant(REVISION_ID, 1, 0);
        config.constant(CLASS_PROG, 1, CLASS_HOST_BRIDGE & 0xff);
        config.constant(CLASS_PROG + 1, 2, CLASS_HOST_BRIDGE >>> 8);
        config.register(CACHE_LINE_SIZE, 1, 0, 0xff);
        config.register(LATENCY_TIMER, 1, 0, 0xff);
        config.constant(HEADER_TYPE, 1, HEADER_TYPE_NORMAL);
        config.constant(SUBSYSTEM_VENDOR_ID, 2, SUBSYS_VENDOR_QEMU);
        config.constant(SUBSYSTEM_ID, 2, SUBSYS_QEMU);
        config.register(INTERRUPT_LINE, 1, 0, 0xff);
    }

    @Override
    public int configRead(int offset, int size) {
        return config.read(offset, size);
    }

    @Override
    public void configWrite(int offset, int size, int value) {
        config.write(offset, size, value);
    }

    /** No BARs: claims nothing. */
    @Override
    public boolean decodeMemory(MemoryTransaction tx) {
        return false;
    }

    /** The registers software may change, for a replacement model: command, cache line, latency, line. */
    int[] saveState() {
        return new int[] {config.read(COMMAND, 2), config.read(CACHE_LINE_SIZE, 1), config.read(LATENCY_TIMER, 1),
            config.read(INTERRUPT_LINE, 1)};
    }

    void restoreState(int[] s) {
        if (s.length == 4) {
            config.write(COMMAND, 2, s[0]);
            config.write(CACHE_LINE_SIZE, 1, s[1]);
            config.write(LATENCY_TIMER, 1, s[2]);
            config.write(INTERRUPT_LINE, 1, s[3]);
        }
    }
}
