package org.trapdoor.conformance;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ConfigAccessor;
import org.trapdoor.api.pci.ConfigSpace;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.PciFunction;

/**
 * The function the harness plugs behind a bridge: a type 0 header with the IDs a suite asks for,
 * a writable command register and two scratch dwords at {@link #SCRATCH} and
 * {@code SCRATCH + 4} (where an 8-byte access's two halves land), no BARs.
 */
public final class Endpoint implements PciFunction {
    /** Two read-write dwords with no meaning but to be written and read back. */
    public static final int SCRATCH = 0x40;

    private final ConfigSpace config = new ConfigSpace(ConfigAccessor.ZERO);

    public Endpoint(int vendor, int device) {
        config.constant(PciConfig.VENDOR_ID, 2, vendor);
        config.constant(PciConfig.DEVICE_ID, 2, device);
        config.register(PciConfig.COMMAND, 2, 0, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
        config.constant(PciConfig.CLASS_PROG, 1, 0);
        config.constant(PciConfig.CLASS_PROG + 1, 2, 0xff00);
        config.register(SCRATCH, 4, 0, -1);
        config.register(SCRATCH + 4, 4, 0, -1);
    }

    /** The IDs as config dword 0 reads them: device << 16 | vendor. */
    public int ids() {
        return config.read(PciConfig.VENDOR_ID, 4);
    }

    @Override
    public int configRead(int offset, int size) {
        return config.read(offset, size);
    }

    @Override
    public void configWrite(int offset, int size, int value) {
        config.write(offset, size, value);
    }

    @Override
    public boolean decodeMemory(MemoryTransaction tx) {
        return false;
    }
}
