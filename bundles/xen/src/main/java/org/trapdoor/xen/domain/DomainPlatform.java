package org.trapdoor.xen.domain;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.guest.GuestInterrupts;
import org.trapdoor.api.guest.GuestPlatform;
import org.trapdoor.api.guest.Hypercalls;
import org.trapdoor.api.memory.AddressSpace;

/** What a domain's kernel boots on: its IPA space, its tree, its vGIC wiring and the HVC into Xen. */
public record DomainPlatform(String name, AddressSpace memory, DeviceTree deviceTree, GuestInterrupts interrupts,
        Hypercalls hypercalls) implements GuestPlatform {
}
