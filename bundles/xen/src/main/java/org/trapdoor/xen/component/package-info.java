/**
 * Xen's OSGi components: the one that boots Xen on a {@code hypervisor=xen} machine and wires its
 * subsystems (interrupts, PCI, policies), and the one that offers Dom0's kernel as a service. Kept
 * apart from the model so that the model's packages never depend on their own wiring.
 */
package org.trapdoor.xen.component;
