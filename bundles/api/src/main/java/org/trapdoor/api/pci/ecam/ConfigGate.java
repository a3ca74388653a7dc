package org.trapdoor.api.pci.ecam;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whether a config access may reach a function now: Linux's {@code map_bus} returning NULL
 * ({@code nwl_pcie_valid_device}, {@code xilinx_pcie_valid_device}). A refused read gives
 * all-ones, a refused write is dropped, and the bridge counts both. Called on the trapped
 * config path: no locks, no allocation.
 */
@ConsumerType
@FunctionalInterface
public interface ConfigGate {
    boolean allows(int bus, int devfn);

    /** Every function the window decodes is reachable: a generic ECAM bridge. */
    ConfigGate OPEN = (bus, devfn) -> true;
}
