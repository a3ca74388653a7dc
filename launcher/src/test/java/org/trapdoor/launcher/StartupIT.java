package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up trace a user asks for with TRAPDOOR_STARTUP_TRACE=1, and where the framework's storage goes. */
class StartupIT {
    private static final Pattern PHASE = Pattern.compile("trapdoor: startup +(\\d+) ms  \\+ *(\\d+) ms wall  \\+ *(\\d+) ms cpu  (.*)");

    @TempDir
    Path dir;

    @Test
    void theTraceNamesEachPhaseInOrderOnStandardErrorAndTheStorageGoesWhereItIsToldAndIsRemoved() throws Exception {
        Path parent = Files.createDirectories(dir.resolve("shm"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtrapdoor.storage.parent=" + parent, "-Dtrapdoor.plugins=" + dir.resolve("plugins"), "-jar",
                Path.of(System.getProperty("trapdoor.jar", "target/trapdoor.jar")).toAbsolutePath().toString(),
                "-c", "xl list").directory(dir.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
        pb.environment().put(StartupTrace.ENV, "1");
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "exits");
        String out = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
        String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        assertTrue(out.contains("Domain-0") && out.contains("guest1"), "the command's output is unchanged: " + out);
        assertFalse(out.contains("startup"), "the trace stays off standard output: " + out);

        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.get(0).contains("jvm started, main() entered"), err);
        assertTrue(lines.get(lines.size() - 1).matches("trapdoor: startup total \\d+ ms wall, \\d+ ms cpu, \\d+ classes loaded, peak RSS .*"), err);
        List<String> expected = List.of("storage folder created: " + parent.resolve(Main.STORAGE_PREFIX), "framework created",
                "framework initialised", "bundles installed", "device-tree loader up", "machine composed",
                "Xen booted", "session done (commands ran), exit 0", "framework stopped", "storage folder deleted");
        int next = 0;
        long lastAt = -1;
        String storage = null;
        for (String l : lines.subList(1, lines.size() - 1)) {
            Matcher m = PHASE.matcher(l);
            assertTrue(m.matches(), "every trace line has the process time, wall and cpu: " + l);
            long at = Long.parseLong(m.group(1));
            assertTrue(at >= lastAt, "times only grow: " + err);
            lastAt = at;
            if (m.group(4).startsWith("stale storage cleaned, storage folder created: ")) {
                storage = m.group(4).substring("stale storage cleaned, storage folder created: ".length());
            }
            if (next < expected.size() && m.group(4).contains(expected.get(next))) {
                next++;
            }
        }
        assertEquals(expected.size(), next, "phases in order, missing from " + (next < expected.size() ? expected.get(next) : "") + ":\n" + err);
        assertTrue(err.contains("guest kernel booted"), err);
        assertTrue(storage != null && storage.startsWith(parent.toString()), err);
        assertFalse(Files.exists(Path.of(storage)), "the storage folder is removed at exit");
        try (var left = Files.list(parent)) {
            assertEquals(List.of(), left.toList());
        }
    }
}
