/**
 * Xen's trace events ({@code xen_*}): its traps, hypercalls, physical interrupts and virtual
 * injections, declared once and switched in the machine's trace registry like every model's. A
 * leaf package, so that every part of the Xen model can take its points without a package cycle.
 */
package org.trapdoor.xen.trace;
