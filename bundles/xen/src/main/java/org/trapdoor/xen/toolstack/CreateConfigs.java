package org.trapdoor.xen.toolstack;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.trapdoor.api.hypervisor.DomainConfig;

/**
 * The domains to create at start-up, from the Xen component's configuration (PID
 * {@code org.trapdoor.xen}): the launcher's {@code --create FILE.cfg} options put each file's
 * contents, in order, into {@link #CREATE} and the file names into {@link #CREATE_SOURCE}, so the
 * files are read once, by the launcher, and parse errors still name the file.
 */
public final class CreateConfigs {
    /** Configuration property: the xl configuration files' contents (String or String[]). */
    public static final String CREATE = "create";
    /** Configuration property: the files' names, same order (String or String[]); optional. */
    public static final String CREATE_SOURCE = "create.source";

    private CreateConfigs() {
    }

    /**
     * Reads every file of a {@link #CREATE} property value; {@code sources} is the
     * {@link #CREATE_SOURCE} value or null. Throws {@link XlConfigException} at the first bad file.
     */
    public static List<DomainConfig> read(Object contents, Object sources) {
        List<String> texts = strings(contents);
        List<String> names = strings(sources);
        List<DomainConfig> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String source = i < names.size() ? names.get(i) : CREATE + "[" + i + "]";
            out.add(XlConfigReader.read(source, texts.get(i)));
        }
        return out;
    }

    /** ConfigurationAdmin gives a single value, an array or a collection. */
    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            out.add(s);
        } else if (v instanceof String[] a) {
            out.addAll(List.of(a));
        } else if (v instanceof Collection<?> c) {
            for (Object o : c) {
                out.add(String.valueOf(o));
            }
        }
        return out;
    }
}
