/** Guest operating-system models as shells and tests see them: what a booted kernel found and did. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.7.0")
package org.trapdoor.api.guest;
