package org.trapdoor.testkit.cycleb;

import java.util.List;

import org.trapdoor.testkit.cyclea.Ping;

/** The other half: it names {@code Ping} only in a generic signature. */
public final class Pong {
    public List<Ping> pings;
}
