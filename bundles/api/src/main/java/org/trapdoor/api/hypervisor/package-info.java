/**
 * A hypervisor running on the emulated machine, as its toolstack and shell see it: domains, the
 * PCI devices it knows of and who owns them, the host bridges it drives, and the policies it lets
 * the user choose where upstream Xen left the choice open.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.trapdoor.api.hypervisor;
