package org.trapdoor.xen.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.HypervisorPolicy;
import org.trapdoor.api.hypervisor.PolicyInfo;

/**
 * The policies Xen knows of, by kind: every implementation registered now, the one in force
 * (system-wide, and per domain for the kinds that apply per domain), and the default each kind
 * falls back to when the implementation in force goes away (its bundle stopped).
 *
 * <p>Services come and go from any thread (DS binds them dynamically); every change is made
 * under this object's monitor and published as an immutable snapshot, so a caller on a hot path
 * reads the policy in force with one volatile read and no look-up ({@link #active(String)}).
 * Every change of the policy in force is told to the listeners outside the monitor (so a
 * listener may call back in) and written to Xen's console, so that a user sees why a choice changed.
 */
public final class PolicyRegistry {
    /** Hears of every change of the implementation in force. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param kind   the policy kind
         * @param domain the domain whose choice changed, or null for the system-wide one
         * @param now    the implementation now in force, or null when none is registered
         * @throws HypervisorException to refuse a domain's own choice ({@code policy set DOMAIN ...}):
         *                             the registry then keeps the domain's previous choice
         */
        void activeChanged(String kind, String domain, HypervisorPolicy now);
    }

    /** One kind: its default, whether it applies per domain, and what is registered and chosen. */
    private static final class Kind {
        final String name;
        String fallback;
        boolean perDomain;
        /** Set by {@code policy set} (system-wide): until then the default wins whenever it is registered. */
        boolean chosen;
        final Map<String, HypervisorPolicy> available = new LinkedHashMap<>();
        String active;
        final Map<String, String> byDomain = new LinkedHashMap<>();

        Kind(String name, String fallback, boolean perDomain) {
            this.name = name;
            this.fallback = fallback;
            this.perDomain = perDomain;
        }
    }

    private record Change(String kind, String domain, HypervisorPolicy now) {
    }

    private final Map<String, Kind> kinds = new LinkedHashMap<>();
    private final Consumer<String> console;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** kind -> implementation in force (system-wide); replaced whole on every change. */
    private volatile Map<String, HypervisorPolicy> inForce = Map.of();
    /** kind -> domain -> implementation in force for that domain; replaced whole on every change. */
    private volatile Map<String, Map<String, HypervisorPolicy>> inForceByDomain = Map.of();

    /** @param console where the registry says what it did (Xen's console ring) */
    public PolicyRegistry(Consumer<String> console) {
        this.console = console;
    }

    /**
     * Declares a kind before its implementations arrive.
     *
     * @param fallback  the implementation used by default and when the one in force goes away
     * @param perDomain whether a domain may have its own choice ({@code policy set DOMAIN KIND NAME})
     */
    public void declare(String kind, String fallback, boolean perDomain) {
        List<Change> changes = new ArrayList<>();
        synchronized (this) {
            Kind k = kinds.get(kind);
            if (k == null) {
                kinds.put(kind, new Kind(kind, fallback, perDomain));
                return;
            }
            // Implementations arrived first (DS may bind them before Xen declares its kinds): the
            // first one was taken as the default; the declared default replaces it unless chosen.
            k.fallback = fallback;
            k.perDomain = perDomain;
            if (!k.chosen && k.available.containsKey(fallback) && !fallback.equals(k.active)) {
                k.active = fallback;
                changes.add(new Change(kind, null, k.available.get(fallback)));
            }
            publish();
        }
        tell(changes);
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    /** A policy service arrived (DS bind). Its kind is declared on first sight if unknown. */
    public void add(String kind, HypervisorPolicy policy) {
        List<Change> changes = new ArrayList<>();
        synchronized (this) {
            Kind k = kinds.computeIfAbsent(kind, n -> new Kind(n, policy.name(), false));
            k.available.put(policy.name(), policy);
            // The default takes over an empty kind, and over whatever stood in for it until it came
            // (unless a user chose that one): the default must not depend on bundle start order.
            // Any implementation takes an empty kind when no default is there.
            boolean defaultArrived = !k.chosen && policy.name().equals(k.fallback) && !k.fallback.equals(k.active);
            if (k.active == null || !k.available.containsKey(k.active) || defaultArrived) {
                String pick = k.available.containsKey(k.fallback) ? k.fallback : policy.name();
                k.active = pick;
                changes.add(new Change(kind, null, k.available.get(pick)));
            }
            publish();
        }
        tell(changes);
    }

    /**
     * A policy service went away (its bundle stopped, DS unbind). Whoever used it falls back to
     * the kind's default (or, without one, to any implementation left) and the console says so.
     */
    public void remove(String kind, HypervisorPolicy policy) {
        List<Change> changes = new ArrayList<>();
        List<String> said = new ArrayList<>();
        synchronized (this) {
            Kind k = kinds.get(kind);
            if (k == null || k.available.get(policy.name()) != policy) {
                return;
            }
            k.available.remove(policy.name());
            String gone = policy.name();
            String next = k.available.containsKey(k.fallback) ? k.fallback
                    : k.available.isEmpty() ? null : k.available.keySet().iterator().next();
            if (gone.equals(k.active)) {
                k.chosen = false; // the user's choice went away: the default rules again
                k.active = next;
                changes.add(new Change(kind, null, next == null ? null : k.available.get(next)));
                said.add(String.format("policy %s: %s went away, %s", kind, gone,
                        next == null ? "no implementation left" : "falling back to " + next));
            }
            for (Map.Entry<String, String> e : k.byDomain.entrySet()) {
                if (gone.equals(e.getValue())) {
                    e.setValue(null);
                    changes.add(new Change(kind, e.getKey(), next == null ? null : k.available.get(next)));
                    said.add(String.format("policy %s for %s: %s went away, %s", kind, e.getKey(), gone,
                            next == null ? "no implementation left" : "falling back to " + next));
                }
            }
            k.byDomain.values().removeIf(v -> v == null);
            publish();
        }
        said.forEach(console);
        tell(changes);
    }

    /**
     * Switches {@code kind} to {@code name}, for {@code domain} (null: system-wide), live.
     *
     * @throws HypervisorException for an unknown kind or implementation, or a per-domain choice of
     *                             a system-wide kind
     */
    public void set(String domain, String kind, String name) {
        Change change;
        boolean hadOwn;
        String before;
        synchronized (this) {
            Kind k = kinds.get(kind);
            if (k == null) {
                throw new HypervisorException("unknown policy kind '" + kind + "' (known: "
                        + String.join(", ", kinds.keySet()) + ")");
            }
            HypervisorPolicy p = k.available.get(name);
            if (p == null) {
                throw new HypervisorException("no " + kind + " policy named '" + name + "' (registered: "
                        + (k.available.isEmpty() ? "none" : String.join(", ", k.available.keySet())) + ")");
            }
            if (domain != null && !k.perDomain) {
                throw new HypervisorException("policy " + kind + " is system-wide, not per domain");
            }
            hadOwn = domain != null && k.byDomain.containsKey(domain);
            before = domain == null ? null : k.byDomain.get(domain);
            if (domain == null) {
                k.chosen = true;
                if (name.equals(k.active)) {
                    return;
                }
                k.active = name;
            } else {
                if (name.equals(k.byDomain.get(domain))) {
                    return;
                }
                k.byDomain.put(domain, name);
            }
            change = new Change(kind, domain, p);
            publish();
        }
        if (domain != null) {
            try {
                tellOrRefuse(change);
            } catch (HypervisorException refused) {
                // The domain refused it (its plumbing stayed as it was): what the listing and
                // active() say must stay what is in force, so the previous choice comes back.
                synchronized (this) {
                    Kind k = kinds.get(kind);
                    if (name.equals(k.byDomain.get(domain))) {
                        if (hadOwn) {
                            k.byDomain.put(domain, before);
                        } else {
                            k.byDomain.remove(domain);
                        }
                        publish();
                    }
                }
                console.accept("policy " + kind + " for " + domain + ": " + name + " refused: " + refused.getMessage());
                throw refused;
            }
            console.accept("policy " + kind + " for " + domain + ": now " + name);
            return;
        }
        console.accept("policy " + change.kind + ": now " + name);
        tell(List.of(change));
    }

    /** Tells every listener of a domain's own choice; the first refusal stops it and is thrown. */
    private void tellOrRefuse(Change c) {
        for (Listener l : listeners) {
            l.activeChanged(c.kind, c.domain, c.now);
        }
    }

    /** Forgets a domain's own choices (the domain is gone). */
    public synchronized void forget(String domain) {
        for (Kind k : kinds.values()) {
            k.byDomain.remove(domain);
        }
        publish();
    }

    /** The system-wide implementation of {@code kind} in force, or null. One volatile read. */
    public HypervisorPolicy active(String kind) {
        return inForce.get(kind);
    }

    /** The implementation of {@code kind} in force for {@code domain}: its own choice, else the system-wide one. */
    public HypervisorPolicy active(String kind, String domain) {
        Map<String, HypervisorPolicy> own = inForceByDomain.get(kind);
        HypervisorPolicy p = own == null ? null : own.get(domain);
        return p != null ? p : inForce.get(kind);
    }

    /** The system-wide implementation of {@code kind} in force as its interface, or null. */
    public <T extends HypervisorPolicy> T active(String kind, Class<T> type) {
        HypervisorPolicy p = active(kind);
        return type.isInstance(p) ? type.cast(p) : null;
    }

    /** One row per kind, then one per domain with a choice of its own, for {@code policy}. */
    public synchronized List<PolicyInfo> info() {
        List<PolicyInfo> rows = new ArrayList<>();
        for (Kind k : kinds.values()) {
            List<String> names = List.copyOf(k.available.keySet());
            rows.add(new PolicyInfo(k.name, null, k.active == null ? "none" : k.active, names, k.fallback));
            for (Map.Entry<String, String> e : k.byDomain.entrySet()) {
                rows.add(new PolicyInfo(k.name, e.getKey(), e.getValue(), names, k.fallback));
            }
        }
        return rows;
    }

    private void publish() {
        Map<String, HypervisorPolicy> now = new LinkedHashMap<>();
        Map<String, Map<String, HypervisorPolicy>> perDomain = new LinkedHashMap<>();
        for (Kind k : kinds.values()) {
            if (k.active != null) {
                now.put(k.name, k.available.get(k.active));
            }
            if (!k.byDomain.isEmpty()) {
                Map<String, HypervisorPolicy> d = new LinkedHashMap<>();
                k.byDomain.forEach((dom, name) -> d.put(dom, k.available.get(name)));
                perDomain.put(k.name, Map.copyOf(d));
            }
        }
        inForce = Map.copyOf(now);
        inForceByDomain = Map.copyOf(perDomain);
    }

    private void tell(List<Change> changes) {
        for (Change c : changes) {
            for (Listener l : listeners) {
                try {
                    l.activeChanged(c.kind, c.domain, c.now);
                } catch (HypervisorException refused) {
                    // A fallback or a system-wide choice nobody asked this domain about: the
                    // refusing listener keeps what was in force and counts it; say so and go on.
                    console.accept("policy " + c.kind + (c.domain == null ? "" : " for " + c.domain) + ": "
                            + refused.getMessage());
                }
            }
        }
    }
}
