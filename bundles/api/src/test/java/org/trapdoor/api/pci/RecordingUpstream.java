package org.trapdoor.api.pci;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;

/** An upstream port that records the writes it is sent and answers with a chosen result. */
final class RecordingUpstream implements PciUpstream {
    record Write(long address, int size, long data, int requesterId, boolean msi) {
    }

    final List<Write> writes = new ArrayList<>();
    MemResult answer = MemResult.OK;

    @Override
    public int requesterId() {
        return 0x0108;
    }

    @Override
    public void send(MemoryTransaction tx) {
        if (tx.write) {
            writes.add(new Write(tx.address, tx.size, tx.data, tx.requesterId, tx.msi));
        }
        if (answer != MemResult.OK) {
            tx.fail(answer);
        }
    }
}
