package org.trapdoor.guest.irqchip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.Deque;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MmioHandler;

/** The CPUs' IRQ handler counts per CPU and INTID, and keeps a total across re-assignments. */
class GicCpuTest {
    /** A CPU interface that hands out the INTIDs queued for each CPU. */
    static final class Queued implements InterruptController {
        final Deque<Integer>[] pending;

        @SuppressWarnings("unchecked")
        Queued(int cpus) {
            pending = new Deque[cpus];
            for (int i = 0; i < cpus; i++) {
                pending[i] = new ArrayDeque<>();
            }
        }

        @Override
        public int acknowledge(int cpu) {
            Integer id = pending[cpu].poll();
            return id == null ? SPURIOUS : id;
        }

        @Override
        public void endOfInterrupt(int cpu, int intid) {
        }

        @Override
        public int cpuCount() {
            return pending.length;
        }

        @Override
        public boolean supportsLpis() {
            return true;
        }

        @Override
        public DropReason raiseSpi(int intid) {
            return null;
        }

        @Override
        public void lowerSpi(int intid) {
        }

        @Override
        public DropReason setLpiPending(int intid, int redistributor) {
            return null;
        }

        @Override
        public void clearLpiPending(int intid, int redistributor) {
        }

        @Override
        public void reloadLpiConfig(int intid, int redistributor) {
        }

        @Override
        public void reloadLpiConfig(int redistributor) {
        }

        @Override
        public void moveLpis(int fromRedistributor, int toRedistributor) {
        }

        @Override
        public boolean isPending(int intid, int cpu) {
            return false;
        }

        @Override
        public long deliveries(int intid) {
            return 0;
        }

        @Override
        public InterruptCounters counters() {
            return new InterruptCounters();
        }

        @Override
        public void connect(InterruptSink sink) {
        }

        @Override
        public MmioHandler region(int index) {
            return null;
        }
    }

    @Test
    void eachCpuCountsWhatItTookAndTheTotalSurvivesAReset() {
        Queued gic = new Queued(2);
        GicCpu cpu = new GicCpu();
        cpu.controller(gic);
        assertEquals(0, cpu.cpusSeen());
        gic.pending[0].add(8192);
        gic.pending[0].add(8192);
        cpu.interruptPending(0, 8192);
        gic.pending[1].add(8192);
        gic.pending[1].add(40);
        cpu.interruptPending(1, 8192);

        assertEquals(2, cpu.cpusSeen());
        assertEquals(2, cpu.count(0, 8192));
        assertEquals(1, cpu.count(1, 8192));
        assertEquals(0, cpu.count(0, 40));
        assertEquals(1, cpu.count(1, 40));
        assertEquals(3, cpu.count(8192));
        assertEquals(4, cpu.total());

        cpu.reset(8192);
        assertEquals(0, cpu.count(8192), "a new owner counts afresh");
        assertEquals(0, cpu.count(1, 8192));
        assertEquals(4, cpu.total(), "the total keeps what the reset took away");
    }
}
