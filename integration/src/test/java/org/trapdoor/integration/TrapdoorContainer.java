package org.trapdoor.integration;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import org.ops4j.pax.exam.CoreOptions;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.ops4j.pax.exam.Option;

/**
 * The container every suite runs in: Felix with the real Trapdoor bundles, as built by this
 * reactor and copied to {@code target/bundles} (never stale snapshots from a repository).
 */
final class TrapdoorContainer {
    /**
     * Each suite's test methods carry it ({@code @Test(timeout = ...)}): a deadlock fails that test
     * within minutes; Jupiter's default timeout does not reach these JUnit 4 tests.
     */
    static final long TEST_TIMEOUT_MS = 180_000;

    private TrapdoorContainer() {
    }

    static Option[] options() {
        File dir = new File(System.getProperty("trapdoor.bundles", "target/bundles"));
        File[] jars = dir.listFiles((d, n) -> n.endsWith(".jar"));
        if (jars == null || jars.length == 0) {
            throw new IllegalStateException("no bundles in " + dir.getAbsolutePath() + " (run through Maven: mvn verify)");
        }
        Arrays.sort(jars);
        List<Option> opts = new ArrayList<>();
        opts.add(junitBundles());
        opts.add(systemProperty("org.slf4j.simpleLogger.defaultLogLevel").value("warn"));
        for (File jar : jars) {
            String name = jar.getName();
            boolean extension = name.startsWith("org.apache.aries.spifly");
            boolean logging = name.startsWith("slf4j");
            opts.add(bundle(jar.toURI().toString()).startLevel(extension || logging ? 1 : 5).start(!extension));
        }
        return CoreOptions.options(opts.toArray(new Option[0]));
    }
}
