/**
 * The base of every hardware model: {@link org.trapdoor.api.model.DeviceModel}, what a bound
 * node's model is, and {@link org.trapdoor.api.model.ModelRef}, a swap-proof reference from one
 * model to another. It imports neither the binding contract ({@code api.platform}) nor the kinds
 * of model ({@code api.irq}, {@code api.pci}, {@code api.iommu}), which all build on it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.trapdoor.api.model;
