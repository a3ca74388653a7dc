/** A register-table DSL so that a device model reads like its manual. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.trapdoor.api.register;
