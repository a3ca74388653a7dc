package org.trapdoor.testkit;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The package dependency graph of compiled classes, read from their constant pools (class
 * references, field and method descriptors, generic signatures, annotations): what bnd computes
 * for Import-Package, per package of one module. A test of every module asserts it has no cycle
 * among its {@code org.trapdoor} packages, so packages stay layered and can be versioned (API)
 * or moved to bundles of their own (implementations) apart.
 */
public final class PackageGraph {
    /** A type named inside a descriptor or signature: {@code Lorg/trapdoor/x/Y;} or {@code ...<}. */
    private static final Pattern TYPE_IN_DESCRIPTOR = Pattern.compile("L([\\w/$]+)[;<]");

    private final String prefix;
    /** package -> packages it uses -> one example "Class -> Class" for the message. */
    private final Map<String, Map<String, String>> edges = new TreeMap<>();

    private PackageGraph(String prefix) {
        this.prefix = prefix;
    }

    /** The graph of the classes under {@code root} (a class folder or a jar) whose package starts with {@code prefix}. */
    public static PackageGraph of(Path root, String prefix) {
        PackageGraph g = new PackageGraph(prefix);
        try {
            if (Files.isDirectory(root)) {
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList())) {
                        g.add(Files.readAllBytes(f));
                    }
                }
            } else {
                try (JarInputStream jar = new JarInputStream(Files.newInputStream(root))) {
                    for (JarEntry e = jar.getNextJarEntry(); e != null; e = jar.getNextJarEntry()) {
                        if (e.getName().endsWith(".class")) {
                            g.add(jar.readAllBytes());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading classes under " + root, e);
        }
        if (g.edges.isEmpty()) {
            throw new IllegalArgumentException("no class of a package under " + prefix + " in " + root);
        }
        return g;
    }

    /** The graph of the module {@code anyClass} was loaded from (its class folder or jar). */
    public static PackageGraph ofModuleOf(Class<?> anyClass, String prefix) {
        try {
            return of(Path.of(anyClass.getProtectionDomain().getCodeSource().getLocation().toURI()), prefix);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("no location for " + anyClass, e);
        }
    }

    /** The packages found. */
    public Set<String> packages() {
        return new TreeSet<>(edges.keySet());
    }

    /** The packages {@code pkg} uses (under the prefix, itself excluded). */
    public Set<String> uses(String pkg) {
        return new TreeSet<>(edges.getOrDefault(pkg, Map.of()).keySet());
    }

    /**
     * The cycles: each strongly connected set of two or more of the found packages, sorted (Tarjan's
     * algorithm, iterative).
     */
    public List<Set<String>> cycles() {
        List<String> nodes = new ArrayList<>(edges.keySet());
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String start : nodes) {
            if (index.containsKey(start)) {
                continue;
            }
            // Each frame: the node and an iterator position over its successors.
            Deque<Object[]> work = new ArrayDeque<>();
            work.push(new Object[] {start, new ArrayList<>(uses(start)), 0});
            index.put(start, counter[0]);
            low.put(start, counter[0]++);
            stack.push(start);
            onStack.add(start);
            while (!work.isEmpty()) {
                Object[] f = work.peek();
                String v = (String) f[0];
                @SuppressWarnings("unchecked")
                List<String> next = (List<String>) f[1];
                int i = (Integer) f[2];
                if (i < next.size()) {
                    f[2] = i + 1;
                    String w = next.get(i);
                    if (!edges.containsKey(w)) {
                        continue; // a package of another module: it cannot lead back here
                    }
                    if (!index.containsKey(w)) {
                        index.put(w, counter[0]);
                        low.put(w, counter[0]++);
                        stack.push(w);
                        onStack.add(w);
                        work.push(new Object[] {w, new ArrayList<>(uses(w)), 0});
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) {
                    String parent = (String) work.peek()[0];
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    Set<String> scc = new TreeSet<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        scc.add(w);
                    } while (!w.equals(v));
                    if (scc.size() > 1) {
                        out.add(scc);
                    }
                }
            }
        }
        return out;
    }

    /** Throws an AssertionError naming each cycle and, for every edge inside it, one class that makes it. */
    public void assertNoCycles() {
        List<Set<String>> cycles = cycles();
        if (cycles.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder("package cycles:");
        for (Set<String> scc : cycles) {
            b.append("\n  ").append(scc);
            for (String from : scc) {
                for (Map.Entry<String, String> e : edges.get(from).entrySet()) {
                    if (scc.contains(e.getKey())) {
                        b.append("\n    ").append(from).append(" -> ").append(e.getKey()).append(" (")
                                .append(e.getValue()).append(')');
                    }
                }
            }
        }
        throw new AssertionError(b.toString());
    }

    private void add(byte[] classFile) throws IOException {
        ClassRefs c = ClassRefs.read(new ByteArrayInputStream(classFile));
        String from = packageOf(c.name);
        if (!from.startsWith(prefix)) {
            return;
        }
        Map<String, String> uses = edges.computeIfAbsent(from, k -> new TreeMap<>());
        for (String ref : c.refs) {
            String to = packageOf(ref);
            if (to.startsWith(prefix) && !to.equals(from)) {
                uses.putIfAbsent(to, simple(c.name) + " -> " + simple(ref));
            }
        }
    }

    private static String packageOf(String internalName) {
        int i = internalName.lastIndexOf('/');
        return i < 0 ? "" : internalName.substring(0, i).replace('/', '.');
    }

    private static String simple(String internalName) {
        return internalName.substring(internalName.lastIndexOf('/') + 1);
    }

    /** A class file's own name and every class name its constant pool mentions (JVMS 4.4). */
    private static final class ClassRefs {
        String name;
        final Set<String> refs = new TreeSet<>();

        static ClassRefs read(InputStream in) throws IOException {
            DataInputStream d = new DataInputStream(in);
            if (d.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file");
            }
            d.readUnsignedShort();
            d.readUnsignedShort();
            int count = d.readUnsignedShort();
            String[] utf8 = new String[count];
            int[] classIndex = new int[count];
            for (int i = 1; i < count; i++) {
                int tag = d.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = d.readUTF();
                    case 7 -> classIndex[i] = d.readUnsignedShort();
                    case 8, 16, 19, 20 -> d.readUnsignedShort();
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> d.readInt();
                    case 15 -> {
                        d.readUnsignedByte();
                        d.readUnsignedShort();
                    }
                    case 5, 6 -> {
                        d.readLong();
                        i++; // takes two entries
                    }
                    default -> throw new IOException("constant pool tag " + tag + " at " + i);
                }
            }
            d.readUnsignedShort(); // access flags
            ClassRefs c = new ClassRefs();
            c.name = utf8[classIndex[d.readUnsignedShort()]];
            for (int i = 1; i < count; i++) {
                if (classIndex[i] != 0) {
                    String n = utf8[classIndex[i]];
                    if (n.startsWith("[")) {
                        c.scan(n);
                    } else {
                        c.refs.add(n);
                    }
                } else if (utf8[i] != null && utf8[i].indexOf('L') >= 0) {
                    c.scan(utf8[i]);
                }
            }
            return c;
        }

        private void scan(String descriptor) {
            Matcher m = TYPE_IN_DESCRIPTOR.matcher(descriptor);
            while (m.find()) {
                refs.add(m.group(1));
            }
        }
    }
}
