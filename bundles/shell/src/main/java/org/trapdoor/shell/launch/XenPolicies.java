package org.trapdoor.shell.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.PolicyInfo;

/**
 * The launcher's {@code --policy KIND=NAME} options: written into the Xen component's
 * configuration ({@value #POLICY}) with the machine's, so Xen chooses them before it boots (a
 * bring-up owner must be chosen before Xen probes the bridge: {@code policy set} afterwards is too
 * late). Whether Xen knows the kind and the name can only be told once its policies have
 * registered: the session checks then, against Xen's own list, and a choice Xen does not know is
 * a bad argument (status 2) with one line.
 */
final class XenPolicies {
    /** Framework property: the choices, {@code KIND=NAME} one per line. */
    static final String PROPERTY = "trapdoor.policy";
    /** The Xen component's configuration property: the choices, {@code KIND=NAME}, in order. */
    static final String POLICY = "policy";

    /** One choice. */
    record Choice(String kind, String name) {
    }

    private XenPolicies() {
    }

    /** The choices the framework property holds; empty without {@code --policy}. */
    static List<Choice> read(Function<String, String> properties) {
        List<Choice> out = new ArrayList<>();
        String v = properties.apply(PROPERTY);
        if (v == null) {
            return out;
        }
        for (String line : v.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.add(new Choice(line.substring(0, eq).strip(), line.substring(eq + 1).strip()));
            }
        }
        return out;
    }

    /** The configuration value: {@code KIND=NAME} strings in order. */
    static String[] value(List<Choice> choices) {
        return choices.stream().map(c -> c.kind() + "=" + c.name()).toArray(String[]::new);
    }

    /**
     * Checks the choices against Xen's policies, waiting up to {@code timeoutMs} for Xen to publish
     * itself.
     *
     * @return the first problem's line, or null when Xen knows every choice (or there is none)
     */
    static String check(BundleContext context, List<Choice> choices, long timeoutMs) throws InterruptedException {
        if (choices.isEmpty()) {
            return null;
        }
        ServiceTracker<Hypervisor, Hypervisor> tracker = new ServiceTracker<>(context, Hypervisor.class, null);
        tracker.open();
        try {
            Hypervisor hv = tracker.waitForService(timeoutMs);
            if (hv == null) {
                return "--policy: Xen did not start, so no policy could be chosen";
            }
            return check(hv.policies(), choices);
        } finally {
            tracker.close();
        }
    }

    /** The first choice {@code rows} (Xen's {@code policy} listing) does not offer, as one line; or null. */
    static String check(List<PolicyInfo> rows, List<Choice> choices) {
        for (Choice c : choices) {
            PolicyInfo row = null;
            List<String> kinds = new ArrayList<>();
            for (PolicyInfo r : rows) {
                if (r.domain() == null) {
                    kinds.add(r.kind());
                    if (r.kind().equals(c.kind())) {
                        row = r;
                    }
                }
            }
            if (row == null) {
                return "--policy: unknown policy kind '" + c.kind() + "' (known: " + String.join(", ", kinds) + ")";
            }
            if (!row.available().contains(c.name())) {
                return "--policy: no " + c.kind() + " policy named '" + c.name() + "' (registered: "
                        + (row.available().isEmpty() ? "none" : String.join(", ", row.available())) + ")";
            }
        }
        return null;
    }
}
