package org.trapdoor.pluginkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Maven as a vendor runs it, away from this repository: a settings file whose local repository
 * is a folder of the test's own, holding only this build's API, harness and archetype; every
 * other artifact (plugins, JUnit, bnd) comes from the developer's local repository, read as a
 * file repository, with Maven Central behind it for anything that repository lacks. Nothing is written
 * to the developer's repository.
 */
final class OutOfTreeBuild {
    private static final long TIMEOUT_S = 600;
    private final Path dir;
    private final Path settings;
    private final String version;

    OutOfTreeBuild(Path dir) throws IOException {
        this.dir = dir;
        this.version = property("trapdoor.version");
        Path repo = dir.resolve("repo");
        put(repo, "org.trapdoor.api", property("kit.api.jar"), "jar", "");
        put(repo, "trapdoor-conformance", property("kit.conformance.jar"), "jar",
                "<dependencies><dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter-api</artifactId>"
                        + "<version>" + property("kit.junit.version") + "</version></dependency></dependencies>");
        put(repo, "trapdoor-plugin-archetype", property("kit.archetype.jar"), "maven-archetype", "");
        settings = dir.resolve("settings.xml");
        // The developer's repository comes first; Maven Central stays behind it for what the main build never
        // fetched (on a fresh CI machine the archetype plugin's own dependencies, for one).
        String developer = Path.of(property("kit.maven.repository")).toUri().toString();
        Files.writeString(settings, "<settings><localRepository>" + repo.toAbsolutePath() + "</localRepository>"
                + "<profiles><profile><id>developer</id>"
                + "<repositories><repository><id>developer</id><url>" + developer + "</url></repository></repositories>"
                + "<pluginRepositories><pluginRepository><id>developer</id><url>" + developer
                + "</url></pluginRepository></pluginRepositories>"
                + "</profile></profiles><activeProfiles><activeProfile>developer</activeProfile></activeProfiles>"
                + "</settings>\n");
    }

    static String property(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank() || v.startsWith("${")) {
            throw new IllegalStateException("system property " + name + " is not set (run through Maven: mvn verify)");
        }
        return v;
    }

    /** Installs {@code jar} as org.trapdoor:{@code artifact} with a pom of its own (no parent). */
    private void put(Path repo, String artifact, String jar, String packaging, String dependencies) throws IOException {
        Path d = repo.resolve("org/trapdoor/" + artifact + "/" + version);
        Files.createDirectories(d);
        Files.copy(Path.of(jar), d.resolve(artifact + "-" + version + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(d.resolve(artifact + "-" + version + ".pom"), "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">"
                + "<modelVersion>4.0.0</modelVersion><groupId>org.trapdoor</groupId><artifactId>" + artifact
                + "</artifactId><version>" + version + "</version><packaging>" + packaging + "</packaging>"
                + dependencies + "</project>\n");
    }

    /** Runs Maven in {@code where} with the kit's settings; fails with the log's tail unless it succeeds. */
    String mvn(Path where, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(property("kit.maven.home"), "bin", "mvn").toString());
        cmd.addAll(List.of("-B", "-s", settings.toString()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("mvn-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).directory(where.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("mvn " + String.join(" ", args) + " did not end within " + TIMEOUT_S + " s");
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("mvn " + String.join(" ", args) + " failed (" + p.exitValue() + "):\n"
                    + out.substring(Math.max(0, out.length() - 6000)));
        }
        return out;
    }

    /** {@code archetype:generate} of a plugin with these properties, in the build's folder; returns the project. */
    Path generate(String groupId, String artifactId, String compatible, String driverName, String msiCompatible)
            throws IOException, InterruptedException {
        mvn(dir, property("kit.archetype.plugin") + ":generate", "-DinteractiveMode=false",
                "-DarchetypeGroupId=org.trapdoor", "-DarchetypeArtifactId=trapdoor-plugin-archetype",
                "-DarchetypeVersion=" + version, "-DgroupId=" + groupId, "-DartifactId=" + artifactId, "-Dversion=1.0.0",
                "-Dpackage=" + groupId, "-Dcompatible=" + compatible, "-DdriverName=" + driverName,
                "-DmsiCompatible=" + msiCompatible, "-DtrapdoorVersion=" + version);
        return dir.resolve(artifactId);
    }
}
