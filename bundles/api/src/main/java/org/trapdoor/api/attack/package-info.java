/**
 * Attacks a hostile guest can run against the hypervisor's isolation (issue 13): each scenario
 * acts as the guest would, through its own address space and its own device, and judges the
 * outcome from counters and memory contents kept apart from the attacker, never from log text.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.trapdoor.api.attack;
