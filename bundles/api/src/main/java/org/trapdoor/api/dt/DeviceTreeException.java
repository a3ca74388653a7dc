package org.trapdoor.api.dt;

/**
 * A device tree is malformed or a property does not say what it must. The message names the
 * file (when there is one), the place and what is wrong; it is meant for the user as it is.
 */
public class DeviceTreeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DeviceTreeException(String message) {
        super(message);
    }

    public DeviceTreeException(String message, Throwable cause) {
        super(message, cause);
    }
}
