package org.trapdoor.api.pci;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Creates endpoints for {@code --device TYPE,key=value,...}. Register as a service; the type is
 * what follows {@code --device}.
 */
@ConsumerType
public interface PciDeviceFactory {
    /** The device type, e.g. {@code "testdev"} or {@code "image"}. */
    String type();

    /**
     * @param options the {@code key=value} options, minus {@code addr} which the machine handles
     * @throws IllegalArgumentException with a user-facing message for a bad option
     */
    PciDevice create(Map<String, String> options);
}
