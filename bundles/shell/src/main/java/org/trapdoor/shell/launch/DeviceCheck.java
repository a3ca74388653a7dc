package org.trapdoor.shell.launch;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

import org.trapdoor.api.machine.PciDeviceInfo;

/**
 * {@code --device} is strict: once the machine is up, every device the user asked for must be
 * plugged. The machine keeps a device it could not create in its list, waiting for a factory of
 * its type or marked failed (the descriptions {@code DeviceManager} gives them); the first such
 * device is the launch's one-line error, and the launch ends with status 2 as for a bad option.
 */
public final class DeviceCheck {
    static final String FAILED = "(failed) ";
    static final String WAITING = "(waiting for a '";

    private DeviceCheck() {
    }

    /**
     * @param devices the machine's devices, as {@code Machine.pciDevices()} lists them
     * @param types   the device types that factories serve now
     * @return the error line for the first device that is not plugged, or null when all are
     */
    public static String problem(List<PciDeviceInfo> devices, Collection<String> types) {
        for (PciDeviceInfo d : devices) {
            String desc = d.description();
            if (desc.startsWith(FAILED)) {
                return "--device " + desc.substring(FAILED.length());
            }
            if (desc.startsWith(WAITING)) {
                String spec = desc.substring(desc.indexOf(") ") + 2);
                return "--device " + spec + ": no device type '" + d.type() + "' (types: "
                        + (types.isEmpty() ? "none" : String.join(", ", new TreeSet<>(types))) + ")";
            }
        }
        return null;
    }
}
