/** The composed machine as seen by shells, guests and tests. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package org.trapdoor.api.machine;
