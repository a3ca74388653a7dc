package org.trapdoor.shell;

import org.trapdoor.api.memory.MemResult;

/**
 * What a {@code mem} command did: the access and its outcome as the interconnect reported it.
 *
 * @param data the data written, or the data read back (all-ones after a failed read)
 */
public record MemAccess(boolean write, long address, int size, long data, MemResult result) {
}
