package org.trapdoor.hw.pci.ecam;

import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.ecam.ConfigGate;
import org.trapdoor.api.pci.ecam.EcamHost;
import org.trapdoor.api.pci.ecam.EcamWindow;

/**
 * A generic ECAM host bridge ({@code pci-host-ecam-generic}): the API's shared ECAM mechanism
 * with QEMU gpex's own function at 00:00.0, and nothing to initialise. The only state software
 * changes is that function's, which a replacement model takes over.
 */
public final class EcamHostBridge extends EcamHost {
    private final HostBridgeFunction root;

    public EcamHostBridge(EcamWindow window, PciHierarchy pci) {
        this(window, pci, org.trapdoor.api.trace.Tracing.OFF);
    }

    /** @param tracing where the shared mechanism's {@code ecam_*} points are declared */
    public EcamHostBridge(EcamWindow window, PciHierarchy pci, org.trapdoor.api.trace.Tracing tracing) {
        this(window, pci, new HostBridgeFunction(), tracing);
    }

    private EcamHostBridge(EcamWindow window, PciHierarchy pci, HostBridgeFunction root,
            org.trapdoor.api.trace.Tracing tracing) {
        super(window, pci, root, ConfigGate.OPEN, tracing);
        this.root = root;
    }

    @Override
    public Object saveState() {
        return root.saveState();
    }

    @Override
    public void restoreState(Object state) {
        if (state instanceof int[]) {
            root.restoreState((int[]) state);
        }
    }
}
