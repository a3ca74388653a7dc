/**
 * The hypercall interface: the HVC dispatch table ({@code arm_hypercall_table}), the
 * {@code xen_version} and {@code physdev_op} hypercalls, and {@code copy_from_guest} /
 * {@code copy_to_guest} through the calling domain's stage 2. Subsystems plug their operations in
 * (xpci registers {@code PHYSDEVOP_pci_device_add}).
 */
package org.trapdoor.xen.hypercall;
