package org.trapdoor.api.irq;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Implemented by an ITS model next to {@link MsiController}: lets a shell look at its registers,
 * command queue and the tables software built in memory, the way a debugger would. Read-only:
 * inspecting changes no state and records nothing.
 */
@ProviderType
public interface ItsInspectable {
    /**
     * A snapshot of the ITS now: registers decoded, then every valid Device Table entry with its
     * valid ITT entries and every valid Collection Table entry. Tables that cannot be read (outside
     * RAM) are reported in {@link ItsInspection#problems()}, not thrown.
     */
    ItsInspection inspect();
}
