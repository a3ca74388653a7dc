package org.trapdoor.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.devicetree.DeviceTreeService;

/**
 * Reading large device trees: {@code nodes} siblings under the root, as DTS and as DTB, and as
 * DTS where each sibling has a label and a later property refers to every one of them. Issue 9
 * measured 8 s (DTS) and 5.6 s (DTB) for 50,000 siblings and 10 s for 20,000 labels, quadratic
 * in the number of nodes; with indexed children and labels the time per node stays flat from
 * 5,000 to 50,000 (figures in README.md). Set-up checks every variant reads the whole tree.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class DeviceTreeParseBenchmark {
    @Param({"5000", "50000"})
    public int nodes;

    private final DeviceTreeService service = new DeviceTreeService();
    private String siblingsDts;
    private byte[] siblingsDtb;
    private String labelsDts;

    /** {@code n} siblings {@code node@i}, each with a {@code reg}. */
    static String siblings(int n) {
        StringBuilder sb = new StringBuilder("/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <0>;\n");
        for (int i = 0; i < n; i++) {
            sb.append("\tnode@").append(Integer.toHexString(i)).append(" { reg = <").append(i).append(">; };\n");
        }
        return sb.append("};\n").toString();
    }

    /** {@code n} labelled siblings, then a property holding a phandle reference to each. */
    static String labels(int n) {
        StringBuilder sb = new StringBuilder("/dts-v1/;\n/ {\n");
        for (int i = 0; i < n; i++) {
            sb.append("\tl").append(i).append(": n").append(i).append(" { };\n");
        }
        sb.append("};\n/ {\n\tsinks {\n\t\trefs = <");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append("&l").append(i);
        }
        return sb.append(">;\n\t};\n};\n").toString();
    }

    @Setup
    public void setUp() {
        siblingsDts = siblings(nodes);
        siblingsDtb = service.toDtb(service.parseDts(siblingsDts, "siblings.dts"));
        labelsDts = labels(nodes);
        check(siblingsDts(), nodes + 1);
        check(siblingsDtb(), nodes + 1);
        check(labelsDts(), nodes + 2);
    }

    private static void check(DeviceTree t, int expected) {
        if (t.nodes().size() != expected) {
            throw new IllegalStateException(t.source() + ": " + t.nodes().size() + " nodes, not " + expected);
        }
    }

    @Benchmark
    public DeviceTree siblingsDts() {
        return service.parseDts(siblingsDts, "siblings.dts");
    }

    @Benchmark
    public DeviceTree siblingsDtb() {
        return service.parseDtb(siblingsDtb, "siblings.dtb");
    }

    @Benchmark
    public DeviceTree labelsDts() {
        return service.parseDts(labelsDts, "labels.dts");
    }
}
