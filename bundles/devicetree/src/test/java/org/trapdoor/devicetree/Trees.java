package org.trapdoor.devicetree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;

/** Fixture loading and structural comparison of trees (names, properties, children, in order). */
final class Trees {
    static final DeviceTreeService SERVICE = new DeviceTreeService();

    private Trees() {
    }

    static byte[] resource(String name) {
        try (InputStream in = Trees.class.getResourceAsStream(name)) {
            if (in == null) {
                fail("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static DeviceTree dts(String resourceName) {
        return SERVICE.parseDts(new String(resource(resourceName), StandardCharsets.UTF_8), resourceName);
    }

    static DeviceTree dtb(String resourceName) {
        return SERVICE.parseDtb(resource(resourceName), resourceName);
    }

    static DeviceTree parse(String dts) {
        return SERVICE.parseDts(dts, "test.dts");
    }

    /** Asserts the same structure and property bytes; labels are compared only if {@code labels}. */
    static void assertSameTree(DeviceTree expected, DeviceTree actual, boolean labels) {
        assertEquals(expected.memoryReservations().size(), actual.memoryReservations().size(), "memreserve count");
        for (int i = 0; i < expected.memoryReservations().size(); i++) {
            assertEquals(expected.memoryReservations().get(i)[0], actual.memoryReservations().get(i)[0]);
            assertEquals(expected.memoryReservations().get(i)[1], actual.memoryReservations().get(i)[1]);
        }
        assertSameNode(expected.root(), actual.root(), labels);
    }

    static void assertSameNode(DtNode e, DtNode a, boolean labels) {
        assertEquals(e.name(), a.name(), "node name under " + (e.parent() == null ? "/" : e.parent().path()));
        assertEquals(e.properties(), a.properties(), "properties of " + e.path());
        if (labels) {
            assertEquals(e.labels(), a.labels(), "labels of " + e.path());
        }
        assertEquals(e.children().stream().map(DtNode::name).toList(),
                a.children().stream().map(DtNode::name).toList(), "children of " + e.path());
        for (int i = 0; i < e.children().size(); i++) {
            assertSameNode(e.children().get(i), a.children().get(i), labels);
        }
    }
}
