package org.trapdoor.testkit.layered;

import org.trapdoor.testkit.cyclea.Ping;

/** Uses the cycle without being part of it. */
public final class Base {
    public Ping[] pings;
}
