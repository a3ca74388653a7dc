package org.trapdoor.guest.irqchip;

/**
 * How many LPIs each CPU is the target of ({@code cpu_lpi_count}, the unmanaged count: the
 * kernel's vectors are not affinity-managed), and the choice {@code its_select_cpu} makes for a
 * new one: {@code cpumask_pick_least_loaded} over the online CPUs, the lowest-numbered CPU among
 * equals. Shared by every ITS, as the counts are per CPU.
 */
public final class CpuLpiLoad {
    private final int[] count;

    /** @param cpus the CPUs online (each with a collection on every ITS) */
    public CpuLpiLoad(int cpus) {
        if (cpus < 1) {
            throw new IllegalArgumentException(cpus + " CPUs");
        }
        count = new int[cpus];
    }

    public int cpus() {
        return count.length;
    }

    /** {@code its_select_cpu} then {@code its_inc_lpi_count}: the least-loaded CPU, now one LPI more loaded. */
    public synchronized int select() {
        int best = 0;
        for (int cpu = 1; cpu < count.length; cpu++) {
            if (count[cpu] < count[best]) {
                best = cpu;
            }
        }
        count[best]++;
        return best;
    }

    /** {@code its_dec_lpi_count}: an LPI targeting {@code cpu} went away. */
    public synchronized void release(int cpu) {
        if (cpu >= 0 && cpu < count.length && count[cpu] > 0) {
            count[cpu]--;
        }
    }

    /** LPIs targeting {@code cpu} now. */
    public synchronized int load(int cpu) {
        return count[cpu];
    }
}
