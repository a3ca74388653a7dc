/**
 * Fixtures for the models' unit tests, shared instead of copied into every test directory.
 *
 * <ul>
 *   <li>{@link org.trapdoor.testkit.ArrayRam}: emulated RAM over a byte array, usable as
 *       {@code PhysicalMemory}, as an MMIO region and as a system address space holding only it;</li>
 *   <li>{@link org.trapdoor.testkit.Lpae4kTables}: VMSAv8-64 translation tables with the 4 KiB
 *       granule, written into RAM the way a driver's io-pgtable code would;</li>
 *   <li>{@link org.trapdoor.testkit.FakeBindContext}: what the composer hands a driver, without a
 *       machine: a node, optional memory, and model references the test binds by hand;</li>
 *   <li>{@link org.trapdoor.testkit.DeviceTrees}: the root and {@code /cpus} nodes a driver test's
 *       device tree starts from.</li>
 * </ul>
 *
 * <p>This is a plain jar used in test scope, not an OSGi bundle.
 */
package org.trapdoor.testkit;
