package org.trapdoor.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.trapdoor.api.memory.MemoryTransaction;

/**
 * One DMA translation by an enabled {@code Smmuv3} ({@link IommuRig}: stage 1 only, 4 KiB
 * granule, 48-bit input, so a walk reads four descriptors), called as a device's upstream port
 * calls it: a reused {@link MemoryTransaction} prepared with {@code tx.read(iova, 4)}, its
 * StreamID set, {@code Iommu.translate(tx)}; the op returns the output address.
 *
 * <ul>
 * <li>{@code iotlbHit}: IOVAs cycling over {@link IommuRig#HOT_PAGES} mapped pages whose IOTLB
 * entries are all resident (set-up checks they do not evict each other): the lock-free IOTLB lookup only
 * (SMMUEN test, key hash, acquire reads of key, value, key, permission test, hit counter).</li>
 * <li>{@code walkOnMiss}: IOVAs cycling in order over all {@link IommuRig#PAGES} mapped pages,
 * 16 times the IOTLB's size, so every lookup misses (set-up checks: a whole cycle adds no hit).
 * One op is the failed lookup, then under the model's (uncontended) lock the cached stream
 * configuration (STE/CD already decoded: no configuration fetch), a level 0-3 walk reading four
 * descriptors from RAM, and the IOTLB fill. The tables (35 pages) stay in the CPU's caches; a
 * walk that misses them as well would be slower by the memory latency.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IommuTranslateBenchmark {
    IommuRig rig;
    private final MemoryTransaction tx = new MemoryTransaction();
    private int hitPage;
    private int missPage;

    @Setup(Level.Trial)
    public void setUp() {
        rig = new IommuRig();
        // Misses: after one full cycle, a second one must walk for every page.
        for (int p = 0; p < IommuRig.PAGES; p++) {
            rig.translateChecked(tx, p);
        }
        expect("walkOnMiss", 0, IommuRig.PAGES, () -> {
            for (int p = 0; p < IommuRig.PAGES; p++) {
                rig.translateChecked(tx, p);
            }
        });
        // Hits (after the cycle, which evicts everything): fill, then a round from the IOTLB alone.
        for (int p = 0; p < IommuRig.HOT_PAGES; p++) {
            rig.translateChecked(tx, IommuRig.PAGES + p);
        }
        expect("iotlbHit", IommuRig.HOT_PAGES, 0, () -> {
            for (int p = 0; p < IommuRig.HOT_PAGES; p++) {
                rig.translateChecked(tx, IommuRig.PAGES + p);
            }
        });
        if (rig.smmu.faultCount() != 0) {
            throw new IllegalStateException("faults in set-up: " + rig.smmu.summary());
        }
    }

    private void expect(String what, long hits, long misses, Runnable round) {
        long h = rig.smmu.iotlbHits();
        long m = rig.smmu.iotlbMisses();
        round.run();
        long dh = rig.smmu.iotlbHits() - h;
        long dm = rig.smmu.iotlbMisses() - m;
        if (dh != hits || dm != misses) {
            throw new IllegalStateException(String.format("%s: a round gave %d hits and %d misses, expected %d and %d",
                    what, dh, dm, hits, misses));
        }
    }

    @Benchmark
    public long iotlbHit() {
        int p = hitPage;
        hitPage = (p + 1) & (IommuRig.HOT_PAGES - 1);
        tx.read(IommuRig.iova(IommuRig.PAGES + p), 4);
        tx.streamId = IommuRig.SID;
        rig.smmu.translate(tx);
        return tx.address;
    }

    @Benchmark
    public long walkOnMiss() {
        int p = missPage;
        missPage = (p + 1) & (IommuRig.PAGES - 1);
        tx.read(IommuRig.iova(p), 4);
        tx.streamId = IommuRig.SID;
        rig.smmu.translate(tx);
        return tx.address;
    }
}
