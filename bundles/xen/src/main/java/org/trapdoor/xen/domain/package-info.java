/**
 * Xen's domains: the domain object, the guest memory layout of {@code public/arch-arm.h}, and the
 * builders that give Dom0 (direct-mapped, the host tree as Xen rewrites it) and a DomU (libxl's
 * layout and tree) their memory, stage 2 and device tree.
 */
package org.trapdoor.xen.domain;
