/** Flattened device tree value types and the loader/writer service. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.trapdoor.api.dt;
