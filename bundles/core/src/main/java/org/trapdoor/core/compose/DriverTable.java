package org.trapdoor.core.compose;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.platform.HardwareDriver;

/**
 * The drivers currently registered, and the matching rule: the node's first compatible string
 * that any driver handles decides, then the highest ranking (the older driver on a tie).
 * Guarded by the composer's lock.
 */
final class DriverTable {
    /** A chosen driver and the hardware kind it was chosen for (the compatible string matched). */
    record Choice(DriverEntry entry, String kind) {
    }

    private final List<DriverEntry> entries = new ArrayList<>();
    private long nextOrder;

    DriverEntry add(HardwareDriver driver, int ranking, String origin) {
        DriverEntry e = new DriverEntry(driver, driver.name(), List.copyOf(driver.compatibles()), ranking, origin,
                nextOrder++);
        entries.add(e);
        return e;
    }

    /** Changes a driver's ranking (its service properties were modified); false if unknown. */
    boolean update(HardwareDriver driver, int ranking) {
        for (int i = 0; i < entries.size(); i++) {
            DriverEntry e = entries.get(i);
            if (e.driver() == driver) {
                entries.set(i, new DriverEntry(driver, e.name(), e.compatibles(), ranking, e.origin(), e.order()));
                return true;
            }
        }
        return false;
    }

    boolean remove(HardwareDriver driver) {
        return entries.removeIf(e -> e.driver() == driver);
    }

    List<DriverEntry> all() {
        return List.copyOf(entries);
    }

    /** The best driver named {@code name}, or null. */
    DriverEntry byName(String name) {
        DriverEntry best = null;
        for (DriverEntry e : entries) {
            if (e.name().equals(name) && e.beats(best)) {
                best = e;
            }
        }
        return best;
    }

    /** The automatic choice for a node with these compatible strings, or null. */
    Choice choose(List<String> compatibles) {
        for (String c : compatibles) {
            DriverEntry best = null;
            for (DriverEntry e : entries) {
                if (e.compatibles().contains(c) && e.beats(best)) {
                    best = e;
                }
            }
            if (best != null) {
                return new Choice(best, c);
            }
        }
        return null;
    }

    /**
     * The choice for a node pinned to {@code entry}: its kind is the first compatible it handles,
     * or, when it handles none, a kind of its own that no other driver shares.
     */
    static Choice pinned(DriverEntry entry, List<String> compatibles) {
        for (String c : compatibles) {
            if (entry.compatibles().contains(c)) {
                return new Choice(entry, c);
            }
        }
        return new Choice(entry, "driver:" + entry.name());
    }
}
