package org.trapdoor.api.pci.ecam;

import org.osgi.annotation.versioning.ConsumerType;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.pci.PciFunction;

/**
 * What one kind of ECAM bridge states about itself, as Xen's {@code struct pci_ecam_ops} does;
 * everything else is {@link EcamProbe}'s and {@link EcamHost}'s.
 */
@ConsumerType
public interface EcamOps {
    /** The window's layout ({@code bus_shift}). */
    default EcamLayout layout() {
        return EcamLayout.ECAM;
    }

    /**
     * The {@code reg-names} entry that is the config window ({@code "cfg"} for ZynqMP), or
     * {@code null} for {@code reg} entry 0 ({@code cfg_reg_index}).
     */
    default String configRegName() {
        return null;
    }

    /**
     * The bridge's own function at devfn 0 of its first bus, when no device is plugged there,
     * or {@code null} for none. Called once per bound bridge.
     */
    default PciFunction rootPort(DtNode node) {
        return null;
    }
}
