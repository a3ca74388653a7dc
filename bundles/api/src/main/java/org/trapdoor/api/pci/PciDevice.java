package org.trapdoor.api.pci;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * An endpoint plugged into a host bridge's hierarchy. Its DMA and MSI writes leave through the
 * {@link PciUpstream} it is connected to, tagged with its requester ID.
 */
@ConsumerType
public interface PciDevice extends PciFunction {
    /** The device type it was created from, e.g. {@code "testdev"}. */
    String type();

    /** Connects the device to the port that carries its upstream transactions. */
    void connect(PciUpstream upstream);

    /** A one-line description (e.g. the options it was created with). */
    default String describe() {
        return type();
    }
}
