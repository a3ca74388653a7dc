package org.trapdoor.shell.command;

/**
 * {@code exit} inside a {@code -c} or {@code --script} run: the script ends at that statement
 * and the launch ends with this status. Sessions that run scripts carry the variable
 * {@link #SCRIPT_SESSION}; the console's {@code exit} stops the framework instead.
 */
public final class ScriptExit extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The session variable that marks a script's session. */
    public static final String SCRIPT_SESSION = ".trapdoor.script";

    /** The status of a bare {@code exit}: the script's own, 1 if a statement failed. */
    public static final int SO_FAR = -1;

    private final int status;

    public ScriptExit(int status) {
        super(status == SO_FAR ? "exit" : "exit " + status, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
