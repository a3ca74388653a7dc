package org.trapdoor.shell.command;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Describes a shell command for {@code help}, {@code CMD --help} and argument errors. Put it on
 * one public method of the command's name (any overload); the component that holds the method
 * registers with the service property {@code trapdoor.command.function=NAME} for each command
 * (see {@link CommandRegistrar}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ShellCommand {
    /** The usage lines, e.g. {@code lspci [-n] [-t] [-v] [-s BDF]}, one form each. */
    String[] usage();

    /** One line for {@code help}: what the command shows or does. */
    String summary();

    /** The group {@code help} lists it under, e.g. {@link CommandRegistry#MACHINE}. */
    String group();
}
