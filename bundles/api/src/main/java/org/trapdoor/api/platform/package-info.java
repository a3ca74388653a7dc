/** Drivers, models and the binding contract between device-tree nodes and hardware bundles. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.trapdoor.api.platform;
