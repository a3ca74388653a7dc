package org.trapdoor.guest.irqchip;

import java.util.List;

/**
 * The vectors a domain allocated to one function, in vector order.
 *
 * @param deviceId the ITS DeviceID, or -1 for a controller without DeviceIDs
 * @param first    the first INTID of the block the domain reserved
 * @param reserved how many INTIDs it reserved (at least {@code messages.size()})
 */
public record MsiBlock(int deviceId, int first, int reserved, List<MsiMessage> messages) {
    public MsiBlock {
        messages = List.copyOf(messages);
    }
}
