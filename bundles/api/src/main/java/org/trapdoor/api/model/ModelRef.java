package org.trapdoor.api.model;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.dt.DtNode;

/**
 * A swap-proof reference from one model to another (a bridge to its IOMMU, an ITS to its GIC).
 * {@link #get()} is a single volatile read: read it once per transaction.
 */
@ProviderType
public interface ModelRef<T extends DeviceModel> {
    /** The model bound now, or {@code null} while the node is unbound or of another kind. */
    T get();

    DtNode node();
}
