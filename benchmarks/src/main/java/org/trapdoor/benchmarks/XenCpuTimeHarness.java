package org.trapdoor.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.IntSupplier;

import org.trapdoor.api.pci.MsiOutcome;

/**
 * CPU time (not wall-clock time) per operation on the Xen paths of {@link XenMsiBenchmark} and
 * {@link DomUConfigReadBenchmark}, beside their bare-metal paths: on an oversubscribed machine
 * JMH's scores measure the scheduler, while the running thread's own CPU time still measures the
 * path. Per path: 1 M operations of warm-up, then 11 rounds of 200 k; prints the median and
 * quartiles in ns of CPU per operation and the ratio of each path's median to its bare-metal one.
 * It fails unless every MSI was sent (the rigs' set-up already checked each reaches its handler)
 * and every config read returned the device's IDs. Run two builds' jars alternately to compare
 * them: {@code java -cp benchmarks/target/benchmarks.jar org.trapdoor.benchmarks.XenCpuTimeHarness [path...]}
 * with paths {@code bare dom0 vits trap-remap cfg-bare cfg-domu} (default: all).
 */
public final class XenCpuTimeHarness {
    private XenCpuTimeHarness() {
    }

    static double[] measure(IntSupplier op) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 1_000_000; i++) {
            op.getAsInt();
        }
        double[] ns = new double[11];
        for (int r = 0; r < ns.length; r++) {
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 200_000; i++) {
                op.getAsInt();
            }
            ns[r] = (mx.getCurrentThreadCpuTime() - c0) / 200_000.0;
        }
        Arrays.sort(ns);
        return ns;
    }

    static IntSupplier raises(XenMsiBenchmark b, java.util.function.Supplier<MsiOutcome> raise) {
        return () -> {
            MsiOutcome o = raise.get();
            if (o != MsiOutcome.SENT) {
                throw new IllegalStateException("raise -> " + o);
            }
            return 1;
        };
    }

    public static void main(String[] args) {
        java.util.List<String> paths = args.length == 0
                ? java.util.List.of("bare", "dom0", "vits", "trap-remap", "cfg-bare", "cfg-domu")
                : java.util.List.of(args);
        XenMsiBenchmark b = new XenMsiBenchmark();
        java.util.Map<String, Double> medians = new java.util.LinkedHashMap<>();
        for (String p : paths) {
            double[] ns;
            switch (p) {
                case "bare" -> {
                    XenMsiBenchmark.Bare s = new XenMsiBenchmark.Bare();
                    s.setUp();
                    ns = measure(raises(b, () -> b.bareMetal(s)));
                    s.tearDown();
                }
                case "dom0" -> {
                    XenMsiBenchmark.Dom0 s = new XenMsiBenchmark.Dom0();
                    s.setUp();
                    ns = measure(raises(b, () -> b.xenDom0(s)));
                    s.tearDown();
                }
                case "vits" -> {
                    XenMsiBenchmark.DomUVits s = new XenMsiBenchmark.DomUVits();
                    s.setUp();
                    ns = measure(raises(b, () -> b.domUVits(s)));
                    s.rig.check();
                    s.tearDown();
                }
                case "trap-remap" -> {
                    XenMsiBenchmark.DomUTrapRemap s = new XenMsiBenchmark.DomUTrapRemap();
                    s.setUp();
                    ns = measure(raises(b, () -> b.domUTrapRemap(s)));
                    s.rig.check();
                    s.tearDown();
                }
                case "cfg-bare", "cfg-domu" -> {
                    DomUConfigReadBenchmark c = new DomUConfigReadBenchmark();
                    c.setUp();
                    boolean domu = p.equals("cfg-domu");
                    ns = measure(() -> {
                        long v = domu ? c.domUTrappedVendorDevice() : c.bareMetalVendorDevice();
                        if (v != Rigs.ID) {
                            throw new IllegalStateException(p + " read 0x" + Long.toHexString(v));
                        }
                        return (int) v;
                    });
                    c.tearDown();
                }
                default -> throw new IllegalArgumentException("no path " + p);
            }
            medians.put(p, ns[5]);
            System.out.printf("%-10s cpu ns/op: median %7.2f  min %7.2f  p25 %7.2f  p75 %7.2f%n", p, ns[5], ns[0],
                    ns[2], ns[8]);
        }
        for (String p : paths) {
            String base = p.startsWith("cfg") ? "cfg-bare" : "bare";
            if (!p.equals(base) && medians.containsKey(base)) {
                System.out.printf("%-10s / %-8s = %.2f%n", p, base, medians.get(p) / medians.get(base));
            }
        }
    }
}
