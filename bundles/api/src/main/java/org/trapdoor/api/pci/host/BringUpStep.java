package org.trapdoor.api.pci.host;

import org.osgi.annotation.versioning.ConsumerType;

/** One named step of a bring-up sequence, e.g. {@code "ecam-enable"}. */
@ConsumerType
public interface BringUpStep {
    String name();

    /** @throws BringUpException when the hardware refuses; later steps must not run */
    void run(RegisterAccess io) throws BringUpException;

    static BringUpStep of(String name, Body body) {
        return new BringUpStep() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void run(RegisterAccess io) throws BringUpException {
                body.run(io);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /** A step's body. */
    @FunctionalInterface
    interface Body {
        void run(RegisterAccess io) throws BringUpException;
    }
}
