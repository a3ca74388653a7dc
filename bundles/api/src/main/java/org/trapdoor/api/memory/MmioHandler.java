package org.trapdoor.api.memory;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A target of memory transactions: a register block, RAM, a doorbell.
 *
 * <p>Called with {@link MemoryTransaction#offset} already relative to the region base. A read
 * sets {@link MemoryTransaction#data}; a failure sets {@link MemoryTransaction#result} (use
 * {@link MemoryTransaction#fail}). Implementations must not allocate or block: this is the hot
 * path.
 */
@ConsumerType
@FunctionalInterface
public interface MmioHandler {
    void access(MemoryTransaction tx);
}
