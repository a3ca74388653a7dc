package org.trapdoor.api.pci.ecam;

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
import static org.trapdoor.api.pci.PciConfig.HEADER_TYPE_BRIDGE;
import static org.trapdoor.api.pci.PciConfig.INTERRUPT_LINE;
import static org.trapdoor.api.pci.PciConfig.STATUS;
import static org.trapdoor.api.pci.PciConfig.STATUS_RW1C;
import static org.trapdoor.api.pci.PciConfig.VENDOR_ID;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ConfigAccessor;
import org.trapdoor.api.pci.ConfigSpace;
import org.trapdoor.api.pci.PciFunction;

/**
 * A bridge's root port at devfn 0 of its first bus: a type 1 header (class 06/04/00) with
 * the bus-number registers and the memory, prefetchable and I/O windows software programs
 * ({@code pci_setup_bridge}), no BARs of its own. The vendor's IDs are the caller's. The
 * secondary bus number is what a bridge model routes downstream config cycles by.
 */
public final class RootPort implements PciFunction {
    /** Primary, secondary, subordinate bus numbers and the secondary latency timer. */
    public static final int BUS_NUMBERS = 0x18;
    static final int IO_BASE = 0x1c;
    static final int SECONDARY_STATUS = 0x1e;
    static final int MEMORY_BASE = 0x20;
    static final int PREF_MEMORY_BASE = 0x24;
    static final int PREF_BASE_UPPER = 0x28;
    static final int PREF_LIMIT_UPPER = 0x2c;
    static final int IO_UPPER = 0x30;
    static final int BRIDGE_CONTROL = 0x3e;
    static final int CLASS_PCI_BRIDGE = 0x060400;

    private final ConfigSpace config = new ConfigSpace(ConfigAccessor.ZERO);
    private final int[] saved = {COMMAND, BUS_NUMBERS, IO_BASE, MEMORY_BASE, PREF_MEMORY_BASE, PREF_BASE_UPPER,
        PREF_LIMIT_UPPER, IO_UPPER, CACHE_LINE_SIZE & ~3, INTERRUPT_LINE & ~3};

    public RootPort(int vendor, int device) {
        config.constant(VENDOR_ID, 2, vendor);
        config.constant(DEVICE_ID, 2, device);
        config.register(COMMAND, 2, 0, COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | COMMAND_PARITY | COMMAND_SERR
                | COMMAND_INTX_DISABLE);
        config.register(STATUS, 2, 0, 0, STATUS_RW1C);
        config.constant(0x08, 1, 0);
        config.constant(CLASS_PROG, 1, CLASS_PCI_BRIDGE & 0xff);
        config.constant(CLASS_PROG + 1, 2, CLASS_PCI_BRIDGE >>> 8);
        config.register(CACHE_LINE_SIZE, 1, 0, 0xff);
        config.constant(0x0d, 1, 0);
        config.constant(HEADER_TYPE, 1, HEADER_TYPE_BRIDGE);
        config.register(BUS_NUMBERS, 4, 0, 0xff_ffff);
        // I/O base/limit: 16-bit decode, low nibble reads 0; secondary status RW1C.
        config.register(IO_BASE, 2, 0, 0xf0f0);
        config.register(SECONDARY_STATUS, 2, 0, 0, STATUS_RW1C);
        // Memory and prefetchable windows in 1 MiB granules; prefetchable is 64-bit capable.
        config.register(MEMORY_BASE, 4, 0, 0xfff0_fff0);
        config.register(PREF_MEMORY_BASE, 4, 0x0001_0001, 0xfff0_fff0);
        config.register(PREF_BASE_UPPER, 4, 0, -1);
        config.register(PREF_LIMIT_UPPER, 4, 0, -1);
        config.register(IO_UPPER, 4, 0, -1);
        config.register(INTERRUPT_LINE, 1, 0, 0xff);
        config.register(BRIDGE_CONTROL, 2, 0, 0x0fff);
    }

    /**
     * The port's config space, for a bridge that keeps vendor registers in it (the Xilinx AXI
     * bridge's at 0x130..0x15C) to add them.
     */
    public ConfigSpace config() {
        return config;
    }

    /** The secondary bus number software gave the port (0 until it does). */
    public int secondaryBus() {
        return (config.read(BUS_NUMBERS, 4) >>> 8) & 0xff;
    }

    public int subordinateBus() {
        return (config.read(BUS_NUMBERS, 4) >>> 16) & 0xff;
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

    /** The registers software programs, for a replacement model. */
    public int[] saveState() {
        int[] s = new int[saved.length];
        for (int i = 0; i < saved.length; i++) {
            s[i] = config.read(saved[i], 4);
        }
        return s;
    }

    /** Takes over {@link #saveState()}'s values; another length is ignored. */
    public void restoreState(int[] s) {
        if (s.length != saved.length) {
            return;
        }
        for (int i = 0; i < saved.length; i++) {
            config.write(saved[i], 4, s[i]);
        }
    }
}
