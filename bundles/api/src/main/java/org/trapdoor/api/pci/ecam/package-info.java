/**
 * The shared ECAM host-bridge mechanism, as Xen's {@code pci_ecam_ops} and
 * {@code pci_host_common_probe} share it: the config-window layout, which {@code reg} entry is
 * the window, an optional root-port function and a gate before config access is allowed. A
 * vendor bridge states only what differs.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.trapdoor.api.pci.ecam;
