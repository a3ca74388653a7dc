/**
 * Xen's PCI side on Arm: the host bridges it finds ({@code pci_host_common_probe}), its config
 * accessors behind each bridge's readiness gate, the PCI devices Dom0 reports
 * ({@code PHYSDEVOP_pci_device_add}), their owners, quarantine and assignment to DomUs.
 */
package org.trapdoor.xen.pci;
