package org.trapdoor.shell.domain;

/**
 * {@code --domain} could not be honoured (no hypervisor, no such domain, its kernel not booted).
 * Its text is the message alone, as Gogo prints {@code toString()} of a failed command.
 */
public final class DomainViewException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DomainViewException(String message) {
        super(message);
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
