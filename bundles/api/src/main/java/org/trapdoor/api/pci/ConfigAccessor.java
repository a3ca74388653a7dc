package org.trapdoor.api.pci;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Something that answers config accesses of 1, 2 or 4 bytes at a register offset: real hardware
 * behind a trap, a dumped image, or the fixed answer for config space nobody implements. A
 * {@link ConfigSpace} sends every access that falls in a gap between its handlers here.
 */
@ConsumerType
public interface ConfigAccessor {
    /** @return the value in the low {@code size} bytes */
    int read(int offset, int size);

    void write(int offset, int size, int value);

    /** Gaps read all-ones and drop writes: what Xen gives a DomU, and the vPCI test harness. */
    ConfigAccessor ALL_ONES = new ConfigAccessor() {
        @Override
        public int read(int offset, int size) {
            return size >= 4 ? -1 : (1 << (size * 8)) - 1;
        }

        @Override
        public void write(int offset, int size, int value) {
            // Dropped, as Xen's vpci_write_hw does for a guest.
        }

        @Override
        public String toString() {
            return "all-ones";
        }
    };

    /** Gaps read zero and drop writes: unimplemented registers of an ordinary device. */
    ConfigAccessor ZERO = new ConfigAccessor() {
        @Override
        public int read(int offset, int size) {
            return 0;
        }

        @Override
        public void write(int offset, int size, int value) {
            // Reserved registers of a device ignore writes.
        }

        @Override
        public String toString() {
            return "zero";
        }
    };
}
