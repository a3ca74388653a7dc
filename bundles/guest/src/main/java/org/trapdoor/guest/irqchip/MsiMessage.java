package org.trapdoor.guest.irqchip;

/**
 * One vector's message as the domain composed it.
 *
 * @param address the doorbell the device writes to
 * @param data    the value it writes
 * @param intid   the interrupt the message becomes (an LPI through the ITS, an SPI through a v2m frame)
 */
public record MsiMessage(long address, int data, int intid) {
}
