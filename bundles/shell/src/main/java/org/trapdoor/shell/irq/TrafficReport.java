package org.trapdoor.shell.irq;

import java.util.List;

import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.Traffic;

/**
 * What a {@code traffic} command did.
 *
 * @param action  {@code start}, {@code stop}, {@code run} or {@code status}
 * @param devices the devices the traffic runs over (as BDFs); empty for stop and status
 * @param status  the generator's status after the command
 * @param outcome   for {@code run}: how the ledger moved while it ran; {@code null} otherwise
 * @param requested for {@code run}: the COUNT asked for (a cancelled burst raised fewer); 0 otherwise
 */
public record TrafficReport(String action, List<String> devices, Traffic.Status status,
        InterruptCounters.Snapshot outcome, long requested) {
    public TrafficReport {
        devices = List.copyOf(devices);
    }

    public TrafficReport(String action, List<String> devices, Traffic.Status status, InterruptCounters.Snapshot outcome) {
        this(action, devices, status, outcome, 0);
    }

    /** True for a {@code run} that was cancelled (Ctrl-C, {@code traffic stop}) before its COUNT. */
    public boolean cancelled() {
        return action.equals("run") && requested > 0 && status.raised() < requested;
    }
}
