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
 * @param outcome for {@code run}: how the ledger moved while it ran; {@code null} otherwise
 */
public record TrafficReport(String action, List<String> devices, Traffic.Status status,
        InterruptCounters.Snapshot outcome) {
    public TrafficReport {
        devices = List.copyOf(devices);
    }
}
