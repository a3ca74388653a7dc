package org.trapdoor.testkit.cyclea;

import org.trapdoor.testkit.cycleb.Pong;

/** One half of a deliberate package cycle, for {@code PackageGraphTest}. */
public final class Ping {
    public Pong answer() {
        return new Pong();
    }
}
