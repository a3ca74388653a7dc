package org.trapdoor.api.platform;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;
import org.trapdoor.api.model.DeviceModel;

/**
 * A hardware bundle's driver service: creates a {@link DeviceModel} for a device-tree node whose
 * {@code compatible} it handles. Register it as an OSGi service (Declarative Services); the
 * standard {@code service.ranking} property orders drivers that match the same string.
 *
 * <p>The composer picks, for each node, the first of the node's compatible strings that any
 * driver handles, then the highest-ranked driver for it (an explicit {@code bind} overrides).
 */
@ConsumerType
public interface HardwareDriver {
    /** Short unique name shown by {@code drivers} and used by {@code bind}, e.g. {@code "pci-ecam"}. */
    String name();

    /** The {@code compatible} strings this driver handles, most specific first. */
    List<String> compatibles();

    /**
     * Instantiates a model for {@code context.node()}.
     *
     * @throws BindException when the node cannot be modelled (missing {@code reg}, bad property);
     *                       the node then stays unbound and the reason is shown.
     */
    DeviceModel create(BindContext context) throws BindException;
}
