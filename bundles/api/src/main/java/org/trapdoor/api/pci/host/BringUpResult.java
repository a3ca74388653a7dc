package org.trapdoor.api.pci.host;

import java.util.List;

/**
 * What a run of a bring-up did.
 *
 * @param owner  who ran it ({@code "dom0"}, {@code "xen"}, a test)
 * @param done   the steps that completed, in order
 * @param failed the step that failed, or {@code null} when all completed
 * @param error  why it failed, or {@code null}
 */
public record BringUpResult(String bridge, String owner, List<String> done, String failed, String error) {
    public BringUpResult {
        done = List.copyOf(done);
    }

    public boolean ok() {
        return failed == null;
    }
}
