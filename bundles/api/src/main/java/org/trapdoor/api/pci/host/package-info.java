/**
 * Host-bridge bring-up as data: a bridge's initialisation sequence (clocks, lanes, bridge and
 * ECAM enable, link wait, MSI set-up) written once as named steps over plain register accesses,
 * so that whoever owns the sequence on a platform (Dom0's driver, or the hypervisor) runs the
 * same steps through its own accessors.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.trapdoor.api.pci.host;
