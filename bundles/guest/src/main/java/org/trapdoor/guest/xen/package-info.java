/** The kernel's Xen support, as Linux's {@code arch/arm/xen} and {@code drivers/xen} do it. */
package org.trapdoor.guest.xen;
