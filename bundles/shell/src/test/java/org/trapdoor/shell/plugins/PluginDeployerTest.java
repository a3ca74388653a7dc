package org.trapdoor.shell.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Version;
import org.trapdoor.shell.plugins.PluginEvent.Kind;

/** The plugins/ rules against a fake framework: what is installed, stopped, restarted, refused. */
class PluginDeployerTest {
    /** A framework of bundles by id; each bundle's name and version are read from the jar's "path". */
    static final class FakeFramework implements BundleOps {
        record B(String name, Version version, boolean builtIn, boolean active) {
        }

        final Map<Long, B> bundles = new LinkedHashMap<>();
        final Map<Path, PluginJar> jars = new HashMap<>();
        final List<String> log = new ArrayList<>();
        long next = 1;
        String failStart;

        long builtIn(String name, String version) {
            bundles.put(next, new B(name, Version.parseVersion(version), true, true));
            return next++;
        }

        @Override
        public List<Installed> named(String symbolicName) {
            List<Installed> out = new ArrayList<>();
            bundles.forEach((id, b) -> {
                if (b.name().equals(symbolicName)) {
                    out.add(new Installed(id, b.name(), b.version(), b.builtIn()));
                }
            });
            return out;
        }

        @Override
        public long installAndStart(Path jar) throws Exception {
            PluginJar j = jars.get(jar);
            if (j.name().equals(failStart)) {
                log.add("install+uninstall " + j.bundle());
                throw new Exception("Unable to resolve " + j.name() + ": missing requirement osgi.wiring.package=org.acme.missing");
            }
            bundles.put(next, new B(j.name(), j.version(), false, true));
            log.add("install " + j.bundle());
            return next++;
        }

        @Override
        public void update(long id, Path jar) {
            PluginJar j = jars.get(jar);
            bundles.put(id, new B(j.name(), j.version(), bundles.get(id).builtIn(), true));
            log.add("update " + id + " to " + j.version());
        }

        @Override
        public void uninstall(long id) {
            log.add("uninstall " + bundles.remove(id).name());
        }

        @Override
        public void stop(long id) {
            B b = bundles.get(id);
            bundles.put(id, new B(b.name(), b.version(), b.builtIn(), false));
            log.add("stop " + id);
        }

        @Override
        public void start(long id) {
            B b = bundles.get(id);
            bundles.put(id, new B(b.name(), b.version(), b.builtIn(), true));
            log.add("start " + id);
        }
    }

    private final FakeFramework fw = new FakeFramework();
    private final List<PluginEvent> reported = new ArrayList<>();
    private final PluginDeployer deployer = new PluginDeployer(fw, reported::add,
            Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC));
    private final Map<String, PluginJar> dir = new HashMap<>();
    private final Map<String, Path> paths = new HashMap<>();

    private void put(String file, String stamp, String name, String version) {
        PluginJar j = new PluginJar(file, stamp, name, Version.parseVersion(version), null);
        Path p = Path.of("/plugins/" + file + "@" + stamp);
        fw.jars.put(p, j);
        dir.put(file, j);
        paths.put(file, p);
    }

    private void apply() {
        deployer.apply(new HashMap<>(dir), new HashMap<>(paths));
    }

    private PluginEvent last() {
        return reported.get(reported.size() - 1);
    }

    @Test
    void aCopyOfABuiltInBundleIsRefusedAndRemovingItTakesNothingAway() {
        long testdev = fw.builtIn("org.trapdoor.hw.testdev", "0.1.0");
        put("testdev.jar", "1", "org.trapdoor.hw.testdev", "0.1.0");
        apply();
        assertEquals(Kind.REFUSED, last().kind());
        assertTrue(last().line().startsWith("plugins/testdev.jar: org.trapdoor.hw.testdev is built in at 0.1.0; "
                + "a plugin replaces a built-in bundle only with a higher version"), last().line());
        dir.remove("testdev.jar");
        apply();
        assertEquals(List.of(), fw.log, "neither the copy nor its removal touched the framework");
        assertTrue(fw.bundles.get(testdev).active());
    }

    @Test
    void aLowerVersionIsRefusedToo() {
        fw.builtIn("org.trapdoor.hw.testdev", "0.1.0");
        put("old.jar", "1", "org.trapdoor.hw.testdev", "0.0.9");
        apply();
        assertEquals(Kind.REFUSED, last().kind());
        assertEquals(List.of(), fw.log);
    }

    @Test
    void aHigherVersionStandsInForTheBuiltInBundleWhichComesBackWhenTheJarGoes() {
        long testdev = fw.builtIn("org.trapdoor.hw.testdev", "0.1.0");
        put("testdev-2.jar", "1", "org.trapdoor.hw.testdev", "2.0.0");
        apply();
        assertEquals(Kind.UPDATED, last().kind());
        assertEquals("plugins/testdev-2.jar: replaced the built-in org.trapdoor.hw.testdev 0.1.0 with 2.0.0",
                last().line());
        assertEquals(List.of("stop " + testdev, "install org.trapdoor.hw.testdev 2.0.0"), fw.log);
        assertTrue(fw.bundles.containsKey(testdev), "the built-in bundle is stopped, never uninstalled");
        dir.remove("testdev-2.jar");
        apply();
        assertEquals(Kind.REMOVED, last().kind());
        assertEquals("plugins/testdev-2.jar: uninstalled org.trapdoor.hw.testdev 2.0.0; the built-in bundle is back",
                last().line());
        assertTrue(fw.bundles.get(testdev).active());
        assertEquals(1, fw.bundles.size());
    }

    @Test
    void aNewBundleIsInstalledUpdatedInPlaceAndUninstalled() {
        put("acme.jar", "1", "org.acme.bridge", "1.0.0");
        apply();
        assertEquals("plugins/acme.jar: installed org.acme.bridge 1.0.0", last().line());
        apply();
        assertEquals(1, reported.size(), "an unchanged jar is left alone");
        put("acme.jar", "2", "org.acme.bridge", "1.1.0");
        apply();
        assertEquals("plugins/acme.jar: updated org.acme.bridge from 1.0.0 to 1.1.0", last().line());
        dir.remove("acme.jar");
        apply();
        assertEquals("plugins/acme.jar: uninstalled org.acme.bridge 1.1.0", last().line());
        assertEquals(List.of("install org.acme.bridge 1.0.0", "update 1 to 1.1.0", "uninstall org.acme.bridge"), fw.log);
    }

    @Test
    void aJarThatIsNoBundleOrDoesNotStartIsReportedOnceUntilItChanges() {
        dir.put("junk.jar", new PluginJar("junk.jar", "1", null, Version.emptyVersion,
                "not a bundle: the jar has no manifest"));
        fw.failStart = "org.acme.broken";
        put("broken.jar", "1", "org.acme.broken", "1.0.0");
        apply();
        apply();
        assertEquals(2, reported.size(), reported.toString());
        assertTrue(reported.stream().allMatch(e -> e.kind() == Kind.FAILED), reported.toString());
        assertTrue(reported.stream().anyMatch(e -> e.line().equals(
                "plugins/broken.jar: cannot install org.acme.broken 1.0.0: Unable to resolve org.acme.broken: "
                        + "missing requirement osgi.wiring.package=org.acme.missing")), reported.toString());
        assertTrue(reported.stream().anyMatch(e -> e.line().equals("plugins/junk.jar: not a bundle: the jar has no manifest")));
        fw.failStart = null;
        put("broken.jar", "2", "org.acme.broken", "1.0.1");
        apply();
        assertEquals("plugins/broken.jar: installed org.acme.broken 1.0.1", last().line(), "a fixed jar is tried again");
    }

    @Test
    void twoJarsWithOneBundleNameDeployTheFirstOnly() {
        put("a.jar", "1", "org.acme.bridge", "1.0.0");
        put("b.jar", "1", "org.acme.bridge", "2.0.0");
        apply();
        assertEquals("plugins/b.jar: org.acme.bridge already comes from plugins/a.jar; one jar per bundle", last().line());
        assertEquals(PluginDeployer.Role.NONE, deployer.deployments().get("b.jar").role());
        assertEquals(PluginDeployer.Role.OWN, deployer.deployments().get("a.jar").role());
    }
}
