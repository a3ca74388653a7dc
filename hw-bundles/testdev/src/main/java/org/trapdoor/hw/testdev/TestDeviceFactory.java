package org.trapdoor.hw.testdev;

import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.pci.PciDevice;
import org.trapdoor.api.pci.PciDeviceFactory;

/**
 * {@code --device testdev[,msi=N][,msix=N]}: creates {@link TestDevice}s. {@code msi} is the
 * number of MSI vectors (a power of two, 1..32, default 4); {@code msix} the MSI-X table size
 * (0..2048, default 8; 0 leaves out MSI-X and BAR2).
 */
// The type and options as component properties too: the launcher's --help reads them from the
// component description without starting the framework (the options listed are the ones create takes).
@Component(service = PciDeviceFactory.class, property = {"trapdoor.device.type=testdev",
        "trapdoor.device.option=msi=N      MSI vectors, 1..32 (default 4)",
        "trapdoor.device.option=msix=N     MSI-X vectors, 0..2048 (default 8)"})
public class TestDeviceFactory implements PciDeviceFactory {
    private static final Logger LOG = LoggerFactory.getLogger(TestDeviceFactory.class);

    public static final int DEFAULT_MSI = 4;
    public static final int DEFAULT_MSIX = 8;

    @Override
    public String type() {
        return "testdev";
    }

    @Override
    public PciDevice create(Map<String, String> options) {
        int msi = DEFAULT_MSI;
        int msix = DEFAULT_MSIX;
        for (Map.Entry<String, String> e : options.entrySet()) {
            switch (e.getKey()) {
                case "msi":
                    msi = number(e.getKey(), e.getValue());
                    break;
                case "msix":
                    msix = number(e.getKey(), e.getValue());
                    break;
                default:
                    throw new IllegalArgumentException("testdev: unknown option '" + e.getKey()
                            + "' (known: msi=1..32, msix=0..2048)");
            }
        }
        TestDevice d = new TestDevice(msi, msix);
        LOG.debug("created {}", d.describe());
        return d;
    }

    private static int number(String key, String value) {
        try {
            return Integer.decode(value.trim());
        } catch (NumberFormatException | NullPointerException ex) {
            throw new IllegalArgumentException("testdev: " + key + "=" + value + " is not a number");
        }
    }
}
