package org.trapdoor.api.pci;

import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Traced;
import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.memory.MemoryTransaction;

/**
 * The path an MSI or MSI-X capability sends its message writes on: the function's upstream port,
 * gated by Bus Master Enable, with one reusable transaction and outcome counters. Every write it
 * sends is marked as an MSI ({@link MemoryTransaction#msi}), so the hop that decides its fate
 * records it in the machine's MSI ledger whatever device model sent it.
 */
final class MessagePort {
    /** The device's hop of every MSI it signals, whatever device model it is. */
    static final TraceEvent SIGNAL = TraceEvent.of("pci_msi_signal",
            "a function signals an MSI/MSI-X vector: the message it will write (a masked vector is held pending, "
                    + "a disabled capability writes nothing; the ledger says which)",
            TraceField.bdf("rid"), TraceField.dec("vector"), TraceField.hex("addr"), TraceField.hex("data"),
            TraceField.flag("masked"), TraceField.flag("enabled"));

    private volatile PciUpstream upstream;
    /** {@link #SIGNAL} in the machine's registry once connected to a port that offers one. */
    TracePoint signal = TracePoint.NEVER; // set at connect; a stale NEVER only misses records
    private volatile ConfigRegister command;
    private final TransactionSlot slot = new TransactionSlot();
    final EventCounter sent = new EventCounter();
    final EventCounter failed = new EventCounter();

    void connect(PciUpstream up, ConfigRegister commandRegister) {
        this.signal = up instanceof Traced t ? t.tracing().point(SIGNAL) : TracePoint.NEVER;
        this.command = commandRegister;
        this.upstream = up;
    }

    /** Emits the signal's record; the caller checked {@code signal.on()}. */
    void traced(int vector, long address, int data, boolean masked, boolean enabled) {
        PciUpstream up = upstream;
        signal.emit(up == null ? 0 : up.requesterId(), vector, address, data & 0xffff_ffffL, masked ? 1 : 0,
                enabled ? 1 : 0);
    }

    /** Checks that a write may go out now; {@code null} when it may. */
    MsiOutcome blocked() {
        if (upstream == null) {
            return MsiOutcome.NOT_CONNECTED;
        }
        ConfigRegister c = command;
        if (c != null && (c.value() & PciConfig.COMMAND_MASTER) == 0) {
            return MsiOutcome.NO_BUS_MASTER;
        }
        return null;
    }

    /** A DWORD memory write of {@code data} to {@code address}, tagged with the requester ID and as an MSI. */
    MsiOutcome send(long address, int data) {
        PciUpstream up = upstream;
        if (up == null) {
            return MsiOutcome.NOT_CONNECTED;
        }
        MemoryTransaction tx = slot.acquire();
        try {
            tx.write(address, 4, data & 0xffff_ffffL).from(up.requesterId()).asMsi();
            up.send(tx);
            if (tx.ok()) {
                sent.increment();
                return MsiOutcome.SENT;
            }
            failed.increment();
            return MsiOutcome.FAILED;
        } finally {
            slot.release(tx);
        }
    }
}
