package org.trapdoor.api.hypervisor;

/** A toolstack or hypervisor operation refused, with a one-line message in the toolstack's words. */
public class HypervisorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HypervisorException(String message) {
        super(message);
    }

    public HypervisorException(String message, Throwable cause) {
        super(message, cause);
    }
}
