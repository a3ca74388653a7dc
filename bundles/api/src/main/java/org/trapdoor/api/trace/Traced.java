package org.trapdoor.api.trace;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Offered by what a model is connected to in a machine (a PCI function's upstream port) when the
 * model has no bind context: {@code up instanceof Traced t ? t.tracing() : Tracing.OFF}, once, at
 * connection.
 */
@ProviderType
public interface Traced {
    Tracing tracing();
}
