package org.trapdoor.shell.trace;

import java.util.List;

import org.trapdoor.api.machine.SwapRecord;

/** {@code swaps}: the most recent binds, unbinds and swaps, oldest first. */
public record SwapListing(List<SwapRecord> swaps) {
}
