package org.trapdoor.shell.lspci;

/** Bad options or a slot filter lspci cannot parse; Gogo prints the message alone. */
public final class LspciException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LspciException(String message) {
        super(message);
    }

    @Override
    public String toString() {
        return "lspci: " + getMessage();
    }
}
