/**
 * The attack suite of issue 13: what a hostile DomU can try against Xen's isolation of its
 * passed-through device, each attack acting through the DomU's own address space (stage 2 and
 * Xen's traps) and its own device's registers, and judged from counts and memory an observer
 * reads apart from the attacker.
 */
package org.trapdoor.attack;
