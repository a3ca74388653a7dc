package org.trapdoor.shell.command;

import java.util.List;

import org.apache.felix.gogo.runtime.Reflective;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;

/**
 * One shell command as Gogo sees it: {@code CMD --help} (or {@code -h} alone) prints its help;
 * anything else goes to the command's methods through Gogo's own {@link Reflective} dispatch, so
 * options, overloads and typed arguments work as in any Gogo command. What goes wrong comes back
 * as one {@link CommandFailure} line: arguments that fit no form of the command give the usage
 * instead of Gogo's coercion message, and no exception's class name reaches the user.
 */
final class CommandFunction implements Function {
    private final Object target;
    private final CommandSpec spec;

    CommandFunction(Object target, CommandSpec spec) {
        this.target = target;
        this.spec = spec;
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) throws Exception {
        if (arguments.size() == 1 && ("--help".equals(arguments.get(0)) || "-h".equals(arguments.get(0)))) {
            return spec.help();
        }
        try {
            return Reflective.invoke(session, target, spec.name(), arguments);
        } catch (CommandFailure | ScriptExit e) {
            throw e;
        } catch (IllegalArgumentException e) {
            if (ErrorText.isArgumentMismatch(e)) {
                throw new CommandFailure(spec.usageError(arguments.isEmpty() ? "needs arguments"
                        : "wrong arguments " + ErrorText.quote(arguments)));
            }
            throw new CommandFailure(ErrorText.of(e));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new CommandFailure(ErrorText.of(e));
        }
    }
}
