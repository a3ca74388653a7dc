/**
 * Xen's memory management as the domains see it: the frame allocator over the RAM Xen keeps, each
 * domain's stage-2 translation (P2M) as VMSAv8 tables in that RAM, and the domain's IPA space that
 * sends a CPU access through the P2M to the machine, to a trap handler, or into a counted abort.
 */
package org.trapdoor.xen.mm;
