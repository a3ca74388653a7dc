package org.trapdoor.core.fuzz;

import org.trapdoor.api.pci.PciDeviceFactory;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.core.machine.ComposedMachine;

/** For fuzz tests in other packages: every driver and factory on the class path, added to a machine. */
public final class ModelCatalogAccess {
    private ModelCatalogAccess() {
    }

    public static void addEverything(ComposedMachine m) {
        for (HardwareDriver d : ModelCatalog.drivers()) {
            m.addDriver(d);
        }
        for (PciDeviceFactory f : ModelCatalog.factories()) {
            m.addFactory(f);
        }
    }
}
