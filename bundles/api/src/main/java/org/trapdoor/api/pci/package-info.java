/** PCI functions, configuration-space register model, host bridges and endpoints. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.trapdoor.api.pci;
