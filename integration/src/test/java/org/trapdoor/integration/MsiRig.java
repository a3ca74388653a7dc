package org.trapdoor.integration;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.Traffic;

/**
 * A machine of one platform preset with its guest booted on it, seen through services only: the
 * {@link Machine} and {@link MachineInterrupts} the configured machine registered, and the
 * {@link GuestKernel} that booted on that machine and set its MSIs up. Changing the platform
 * through ConfigurationAdmin replaces the machine (and so reboots the guest); {@link #boot}
 * waits for the new services, never for bundle states.
 */
final class MsiRig implements AutoCloseable {
    static final long TIMEOUT_MS = 10_000;
    static final String MACHINE_PID = "org.trapdoor.machine";
    static final String ITS = "/intc@8000000/msi-controller@8080000";
    static final String V2M = "/intc@8000000/v2m@8020000";
    /** A configuration property the machine ignores and its service repeats: which boot made it. */
    static final String BOOT = "trapdoor.it.boot";

    /** A vector of one function: its requester ID and vector index. */
    record Vector(int requesterId, int vector) {
        static Vector of(GuestMsiVector v) {
            return new Vector(requesterId(v.bdf()), v.vector());
        }

        /** {@code DDDD:BB:SS.F} to {@code bus << 8 | devfn}. */
        static int requesterId(String bdf) {
            int bus = Integer.parseInt(bdf.substring(5, 7), 16);
            int slot = Integer.parseInt(bdf.substring(8, 10), 16);
            int fn = Integer.parseInt(bdf.substring(11, 12), 16);
            return bus << 8 | slot << 3 | fn;
        }
    }

    private final BundleContext context;
    private final ConfigurationAdmin configurationAdmin;
    private ServiceTracker<GuestKernel, GuestKernel> guestTracker;
    private ServiceTracker<Machine, Machine> machineTracker;
    private ServiceTracker<MachineInterrupts, MachineInterrupts> interruptsTracker;
    private Machine machine;
    private MachineInterrupts interrupts;
    private GuestKernel guest;
    private int boots;

    MsiRig(BundleContext context, ConfigurationAdmin configurationAdmin) {
        this.context = context;
        this.configurationAdmin = configurationAdmin;
    }

    /**
     * Configures the machine with {@code platform}, waits for the machine that this configuration
     * made (the configuration carries a fresh {@link #BOOT} token, which the machine's service
     * properties repeat, so an older machine of the same platform does not count) and for a
     * guest that booted on it, routed every MSI vector through {@code msiController} (a
     * device-tree path) and takes the interrupts.
     */
    void boot(String platform, String msiController) throws Exception {
        String token = platform + "#" + (++boots) + "@" + System.nanoTime();
        Configuration c = configurationAdmin.getConfiguration(MACHINE_PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("platform", platform);
        props.put(BOOT, token);
        c.update(props);
        closeMachineTrackers();
        machineTracker = new ServiceTracker<>(context, filter(Machine.class, "(" + BOOT + "=" + token + ")"), null);
        machineTracker.open();
        machine = awaitService(machineTracker, "Machine for platform " + platform);
        long machineId = id(machineTracker.getServiceReference());
        interruptsTracker = new ServiceTracker<>(context,
                filter(MachineInterrupts.class, "(" + Constants.SERVICE_ID + "=" + machineId + ")"), null);
        interruptsTracker.open();
        interrupts = awaitService(interruptsTracker, "MachineInterrupts of machine " + machineId);
        guest = awaitGuest(machineId, msiController);
    }

    /**
     * The guest that runs on the machine. A guest registers its service only once it has booted,
     * its CPUs wired, so the first guest service registered after the machine (the guest's machine
     * reference is static: a guest registered later booted on this machine) is booted and takes
     * interrupts at once: its vectors all go through {@code msiController}, and an MSI raised on
     * the first vector of the first device is counted on that vector. Either failing is an error,
     * not a reason to look again.
     */
    private GuestKernel awaitGuest(long machineId, String msiController) throws Exception {
        guestTracker = new ServiceTracker<>(context,
                filter(GuestKernel.class, "(" + Constants.SERVICE_ID + ">=" + (machineId + 1) + ")"), null);
        guestTracker.open();
        GuestKernel g = awaitService(guestTracker, "guest kernel on machine " + machineId);
        if (!g.awaitBooted(0)) {
            throw new AssertionError(g.name() + " is visible but has not booted");
        }
        List<GuestMsiVector> v = g.msiVectors();
        if (v.isEmpty() || !v.stream().allMatch(x -> msiController.equals(x.controller()))) {
            throw new AssertionError(g.name() + " has vectors " + v + " not all through " + msiController + "; log: "
                    + tail(g.bootLog()));
        }
        if (!takesInterrupts(g)) {
            throw new AssertionError(g.name() + " did not count an MSI on its first vector: its CPUs are not wired");
        }
        return g;
    }

    /** Raises vector 0 of the first device once; true when {@code g} counted it on that vector. */
    private boolean takesInterrupts(GuestKernel g) {
        List<MsiSource> sources = interrupts.msiSources();
        if (sources.isEmpty()) {
            return false;
        }
        MsiSource first = sources.get(0);
        Vector v = new Vector(first.requesterId(), 0);
        long before = count(g, v);
        interrupts.traffic().run(1, List.of(first));
        return count(g, v) == before + 1;
    }

    private static long count(GuestKernel g, Vector v) {
        for (GuestMsiVector x : g.msiVectors()) {
            if (Vector.of(x).equals(v)) {
                return x.count();
            }
        }
        return -1;
    }

    private static long id(ServiceReference<?> r) {
        return (Long) r.getProperty(Constants.SERVICE_ID);
    }

    private static String tail(List<String> log) {
        return String.join("\n  ", log.subList(Math.max(0, log.size() - 25), log.size()));
    }

    private Filter filter(Class<?> type, String more) throws InvalidSyntaxException {
        return context.createFilter("(&(" + Constants.OBJECTCLASS + "=" + type.getName() + ")" + more + ")");
    }

    private static <T> T awaitService(ServiceTracker<T, T> tracker, String what) throws InterruptedException {
        T s = tracker.waitForService(TIMEOUT_MS);
        if (s == null) {
            throw new AssertionError("no " + what + " within " + TIMEOUT_MS + " ms");
        }
        return s;
    }

    Machine machine() {
        return machine;
    }

    MachineInterrupts interrupts() {
        return interrupts;
    }

    GuestKernel guest() {
        return guest;
    }

    InterruptCounters ledger() {
        return interrupts.msiLedger();
    }

    Traffic traffic() {
        return interrupts.traffic();
    }

    List<MsiSource> sources() {
        return interrupts.msiSources();
    }

    /** The (device, vector) pairs a traffic round over {@link #sources()} raises. */
    List<Vector> targets() {
        List<Vector> out = new ArrayList<>();
        for (MsiSource s : sources()) {
            for (int v = 0; v < Math.max(1, s.vectors()); v++) {
                out.add(new Vector(s.requesterId(), v));
            }
        }
        return out;
    }

    /** The guest's vectors by function and index. */
    Map<Vector, GuestMsiVector> vectors() {
        Map<Vector, GuestMsiVector> out = new HashMap<>();
        for (GuestMsiVector v : guest.msiVectors()) {
            out.put(Vector.of(v), v);
        }
        return out;
    }

    /** Interrupts the guest handled per vector since it set them up. */
    Map<Vector, Long> counts() {
        Map<Vector, Long> out = new HashMap<>();
        for (GuestMsiVector v : guest.msiVectors()) {
            out.put(Vector.of(v), v.count());
        }
        return out;
    }

    /** Interrupts the guest handled on all its MSI vectors. */
    long handled() {
        long n = 0;
        for (GuestMsiVector v : guest.msiVectors()) {
            n += v.count();
        }
        return n;
    }

    /** Offsets of the test endpoint's counters in its BAR0 (see TestDevice: RAISES, MSG_SENT, MSG_PENDED, RAISE_REFUSED). */
    private static final int[] DEVICE_COUNTERS = {0x40, 0x44, 0x48, 0x4c};

    /**
     * The test endpoints' own counters, summed: raises, messages sent, raises left pending, raises
     * refused. Read as a driver would, from each endpoint's BAR0 at the address the guest gave
     * it: counts the device keeps apart from the machine's ledger.
     */
    long[] deviceCounters() {
        long[] sum = new long[DEVICE_COUNTERS.length];
        int endpoints = 0;
        for (GuestPciDevice d : guest.pciDevices()) {
            if (d.vendorId() != 0x1234 || d.deviceId() != 0x11e9 || d.bar(0) == null || !d.bar(0).assigned()) {
                continue;
            }
            endpoints++;
            for (int i = 0; i < sum.length; i++) {
                sum[i] += machine.system().read(d.bar(0).cpuAddress() + DEVICE_COUNTERS[i], 4);
            }
        }
        if (endpoints == 0) {
            throw new AssertionError("no test endpoint with an assigned BAR0: " + guest.pciDevices());
        }
        return sum;
    }

    /** The function the guest enumerated at {@code requesterId}, or {@code null}. */
    GuestPciDevice device(int requesterId) {
        for (GuestPciDevice d : guest.pciDevices()) {
            if (d.requesterId() == requesterId) {
                return d;
            }
        }
        return null;
    }

    String bootLogTail() {
        return tail(guest.bootLog());
    }

    /** Polls {@code done} until it holds, at most {@link #TIMEOUT_MS}; a failure says {@code what}. */
    static void await(String what, BooleanSupplier done) {
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError(what + " not within " + TIMEOUT_MS + " ms");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private void closeMachineTrackers() {
        if (guestTracker != null) {
            guestTracker.close();
            guestTracker = null;
        }
        if (interruptsTracker != null) {
            interruptsTracker.close();
            interruptsTracker = null;
        }
        if (machineTracker != null) {
            machineTracker.close();
            machineTracker = null;
        }
    }

    @Override
    public void close() {
        if (interrupts != null) {
            interrupts.traffic().stop();
        }
        closeMachineTrackers();
    }
}
