package org.trapdoor.shell.command;

/**
 * A command could not do what was asked (unknown node, bad number, refused bind). Its text is
 * the message alone, because Gogo prints {@code toString()} of a failed command.
 */
public final class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommandFailure(String message) {
        super(message);
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
