package org.trapdoor.api.pci.host;

/** A bring-up step found the hardware not as it must be (no lane, link down, block absent). */
public class BringUpException extends Exception {
    private static final long serialVersionUID = 1L;

    public BringUpException(String message) {
        super(message);
    }
}
