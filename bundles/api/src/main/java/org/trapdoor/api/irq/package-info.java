/**
 * Interrupt controllers (GIC distributors, redistributors, CPU interfaces), MSI controllers
 * (ITS, GICv2m) and the counted outcome of every interrupt message.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.4.0")
package org.trapdoor.api.irq;
