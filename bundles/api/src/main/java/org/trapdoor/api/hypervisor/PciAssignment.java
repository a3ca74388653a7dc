package org.trapdoor.api.hypervisor;

/**
 * A function assigned to a domain: the host function and where the domain sees it.
 *
 * @param hostBdf    {@code SSSS:BB:DD.F} on the host
 * @param virtualBdf {@code SSSS:BB:DD.F} in the domain's vPCI space
 * @param permissive whether writes without a handler reach the device
 */
public record PciAssignment(String hostBdf, String virtualBdf, boolean permissive) {
}
