package org.trapdoor.shell.xen;

import java.util.List;

/**
 * {@code dmesg}: a guest kernel's log as it printed it.
 *
 * @param kernel the kernel's name
 * @param domain the domain it runs in, or null on bare metal
 * @param lines  oldest first
 */
public record GuestLog(String kernel, String domain, List<String> lines) {
    public GuestLog {
        lines = List.copyOf(lines);
    }
}
