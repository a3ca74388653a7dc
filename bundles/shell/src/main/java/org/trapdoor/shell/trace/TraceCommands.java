package org.trapdoor.shell.trace;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.SwapRecord;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.shell.command.CommandFailure;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;

/**
 * {@code trace} and {@code swaps}. The registry is the machine's {@link Tracing} service: the
 * switches set here are the ones the models' hot paths read.
 */
@Component(service = TraceCommands.class, property = {
        CommandRegistry.FUNCTION + "=trace",
        CommandRegistry.FUNCTION + "=swaps"})
public final class TraceCommands {
    /** Records {@code trace show} prints when no count is given. */
    static final int DEFAULT_SHOW = 20;

    private final Tracing tracing;
    private final Machine machine;

    @Activate
    public TraceCommands(@Reference Tracing tracing, @Reference Machine machine) {
        this.tracing = tracing;
        this.machine = machine;
    }

    @ShellCommand(usage = {"trace", "trace on|off PATTERN", "trace show [N]", "trace --file FILE|off"},
            summary = "named trace points: list, switch by name or glob, show the last records, write them to a file",
            group = CommandRegistry.MACHINE)
    @Descriptor("list the trace points (name, on/off, fields, meaning) and the ring's state")
    public TraceListing trace() {
        List<TraceListing.Point> points = new ArrayList<>();
        for (TracePoint p : tracing.points()) {
            points.add(new TraceListing.Point(p.name(), p.on(), p.event().signature(), p.event().description()));
        }
        Path f = tracing.file();
        return new TraceListing(points, tracing.capacity(), tracing.sequence(), f == null ? null : f.toString());
    }

    @Descriptor("show: print the last 20 records")
    public TraceShow trace(@Descriptor("show") String action) {
        if (!"show".equals(action)) {
            throw new CommandFailure("trace: '" + action + "' is not a trace action (on, off, show, --file)");
        }
        return show(DEFAULT_SHOW);
    }

    @Descriptor("on|off PATTERN: switch the points whose name matches (a name or a glob: its_*, *_fault, *); "
            + "show N: print the last N records; --file FILE: also write every record to FILE as it comes (off stops)")
    public Object trace(@Descriptor("on, off, show or --file") String action,
            @Descriptor("a point name or glob; a record count; a file") String arg) {
        switch (action) {
            case "on", "off" -> {
                boolean on = action.equals("on");
                int n;
                try {
                    n = tracing.enable(arg, on);
                } catch (IllegalArgumentException e) {
                    throw new CommandFailure("trace " + action + ": " + e.getMessage());
                }
                return new TraceChange(n == 0
                        ? "no trace point matches '" + arg + "' now; models bound later follow the rule (" + action + ")"
                        : n + " trace point" + (n == 1 ? "" : "s") + " " + action + " ('" + arg + "')");
            }
            case "show" -> {
                int n;
                try {
                    n = Integer.parseInt(arg);
                } catch (NumberFormatException e) {
                    throw new CommandFailure("trace show: '" + arg + "' is not a record count");
                }
                if (n < 0) {
                    throw new CommandFailure("trace show: the record count is not negative: " + n);
                }
                return show(n);
            }
            case "--file" -> {
                try {
                    if (arg.equals("off")) {
                        Path was = tracing.file();
                        tracing.writeTo(null);
                        return new TraceChange(was == null ? "no trace file was being written" : "stopped writing " + was);
                    }
                    Path p = Path.of(arg).toAbsolutePath();
                    tracing.writeTo(p);
                    return new TraceChange("writing every trace record to " + p + " as it comes");
                } catch (IOException | RuntimeException e) {
                    throw new CommandFailure("trace --file " + arg + ": " + e.getMessage());
                }
            }
            default -> throw new CommandFailure("trace: '" + action + "' is not a trace action (on, off, show, --file)");
        }
    }

    private TraceShow show(int n) {
        return new TraceShow(tracing.last(n), tracing.sequence());
    }

    @ShellCommand(usage = {"swaps"}, summary = "recent binds, unbinds and swaps: how long each took and stalled traffic",
            group = CommandRegistry.MACHINE)
    @Descriptor("the recent binds, unbinds and swaps, oldest first: node, kind, drivers, total time and the stall "
            + "(how long traffic in flight was waited for at the gate)")
    public SwapListing swaps() {
        List<SwapRecord> all = machine.swaps();
        return new SwapListing(all);
    }
}
