package org.trapdoor.api.irq;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Implemented by the machine's upstream ports (next to {@code PciUpstream}):
 * gives the function behind the port the machine's MSI ledger, so that an MSI the function
 * itself refuses (disabled, masked) is counted in the same ledger as the ones that travel.
 */
@ProviderType
public interface MsiAccounting {
    /** The machine-wide MSI ledger; it outlives every model swap. */
    InterruptCounters msiLedger();
}
