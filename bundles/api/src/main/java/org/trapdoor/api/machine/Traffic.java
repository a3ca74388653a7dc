package org.trapdoor.api.machine;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.pci.MsiSource;

/**
 * An MSI traffic generator: raises vectors round-robin over the given devices and their enabled
 * vectors (a device with none enabled still gets vector 0 raised, which its refusal counts), from
 * one background thread or the caller's, allocating nothing per MSI. The outcome of each raise
 * is in the machine's MSI ledger by the time the raise returns.
 */
@ProviderType
public interface Traffic {
    /**
     * Starts raising in the background at {@code ratePerSecond} MSIs per second (0: as fast as
     * possible) until {@link #stop()}.
     *
     * @throws IllegalArgumentException for a negative rate or no device
     * @throws IllegalStateException    if traffic is already running
     */
    void start(long ratePerSecond, List<MsiSource> devices);

    /**
     * Stops background traffic, or cancels a {@link #run} burst running on another thread, and
     * waits until it has ended; a no-op when idle.
     */
    void stop();

    /**
     * Raises exactly {@code count} MSIs on the caller's thread, round-robin, and returns when every
     * one of them is accounted for in the ledger. It ends early, with fewer raised, when
     * {@link #stop()} is called or the caller's thread is interrupted (the flag stays set); while
     * it runs, {@link #status()} says running.
     *
     * @throws IllegalArgumentException for a negative count or no device
     * @throws IllegalStateException    if background traffic is running
     */
    Status run(long count, List<MsiSource> devices);

    Status status();

    /**
     * @param running       background traffic or a burst is on
     * @param ratePerSecond the requested rate (0: unthrottled)
     * @param raised        raises since the last start or run
     * @param targets       device and vector pairs in the round
     * @param elapsedNanos  time since the last start or run began (to its end once finished)
     */
    record Status(boolean running, long ratePerSecond, long raised, int targets, long elapsedNanos) {
        @Override
        public String toString() {
            return (running ? "running" : "idle") + " rate=" + (ratePerSecond == 0 ? "max" : ratePerSecond + "/s")
                    + " raised=" + raised + " targets=" + targets + " elapsed=" + elapsedNanos / 1_000_000 + "ms";
        }
    }
}
