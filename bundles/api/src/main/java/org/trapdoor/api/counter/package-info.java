/**
 * Counts of emulated events (MSIs raised, delivered and dropped, translations, register
 * accesses) that the hot paths add to from any thread and the shell and tests read. Adding takes
 * no lock and no atomic read-modify-write: each thread owns the cell it adds to.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.trapdoor.api.counter;
