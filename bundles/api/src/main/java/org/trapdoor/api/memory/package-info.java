/** Memory transactions, address spaces and MMIO handlers: the currency of every data path. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.trapdoor.api.memory;
