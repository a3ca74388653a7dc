/**
 * Xen's vPCI on Arm: the trapped ECAM windows ({@code xen/arch/arm/vpci.c}) and the register
 * handlers of each assigned function ({@code xen/drivers/vpci/header.c}, {@code cap.c}), for DomUs
 * and, under the {@code hwdom-config = vpci} policy, for the hardware domain.
 */
package org.trapdoor.xen.vpci;
