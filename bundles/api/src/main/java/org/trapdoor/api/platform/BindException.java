package org.trapdoor.api.platform;

/** A driver could not model a node; the message says why, in terms of the device tree. */
public class BindException extends Exception {
    private static final long serialVersionUID = 1L;

    public BindException(String message) {
        super(message);
    }

    public BindException(String message, Throwable cause) {
        super(message, cause);
    }
}
