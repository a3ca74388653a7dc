package org.trapdoor.api.pci;

/**
 * A config-space handler was registered over bytes another handler already covers (Xen's
 * {@code EEXIST}), or a removal range cut a handler in two (Xen's {@code ERANGE}).
 */
public class RegisterOverlapException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public RegisterOverlapException(String message) {
        super(message);
    }
}
