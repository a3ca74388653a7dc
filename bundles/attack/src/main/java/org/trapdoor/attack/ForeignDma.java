package org.trapdoor.attack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.memory.PhysicalMemory;

/**
 * (c) The attacker has its device DMA a marker over host physical addresses that belong to others:
 * Dom0's RAM (direct-mapped, so its tree gives the addresses) and Xen's own memory, the tables
 * the hardware reads from Xen's heap (the SMMU's stream table, the ITS's command queue and Device
 * table, whose bases the hardware registers hold). A real attacker would guess them; the worst
 * case is that it knows them. The observer compares host memory at each target before and after
 * (and puts back what the attack changed); memory the DMA reached in the attacker's own RAM is put
 * back too, so its kernel keeps running.
 */
final class ForeignDma extends Scenario {
    private static final int LENGTH = 64;
    private static final long MARKER = 0xa77a_c4ed_d0a0_0000L;
    /** SMMU_STRTAB_BASE, GITS_CBASER, GITS_BASER0: register offsets in their frames. */
    private static final long STRTAB_BASE = 0x80, GITS_CBASER = 0x80, GITS_BASER0 = 0x100;
    private static final long ADDR_MASK = 0x000f_ffff_ffff_f000L;

    ForeignDma(Platform p) {
        super(p);
    }

    @Override
    public String name() {
        return "foreign-dma";
    }

    @Override
    public String description() {
        return "DMA a marker from its device to host addresses of Dom0's RAM and of Xen's own tables";
    }

    @Override
    public String criterion() {
        return "SUCCEEDED if host memory at any target changed (CRC-32 of its " + LENGTH + " bytes, read by the "
                + "observer before and after); BLOCKED if none did (the DMA faulted at stage 2 or landed in its own RAM)";
    }

    @Override
    AttackResult attack(Attacker a) {
        PhysicalMemory ram = p.machine().memory();
        Map<String, Long> targets = targets(a, ram);
        if (targets.isEmpty()) {
            throw new NotApplicable("no host memory of another domain or of Xen found to aim at");
        }
        long[] marker = new long[LENGTH / 8];
        for (int i = 0; i < marker.length; i++) {
            marker[i] = MARKER | i;
        }
        List<Evidence> evidence = new ArrayList<>();
        List<String> hit = new ArrayList<>();
        for (Map.Entry<String, Long> t : targets.entrySet()) {
            long pa = t.getValue();
            byte[] before = new byte[LENGTH];
            ram.read(pa, before, 0, LENGTH);
            byte[] ownBefore = a.ownsIpa(pa, LENGTH) ? ownRead(a, pa) : null;
            Readings r = new Readings()
                    .add(t.getKey() + " 0x" + Long.toHexString(pa) + ": CRC-32 of host memory", () -> crc(ram, pa))
                    .add(t.getKey() + ": DMA faults at stage 2 (Xen, attacker's domain)", a.domain::dmaFaults)
                    .add(t.getKey() + ": DMA failed (device)", () -> a.reg(Endpoint.REG_DMA_FAILED))
                    .before();
            a.dmaWrite(pa, marker);
            Settle.quiet(a.domain::dmaFaults); // Xen reads the SMMU's event queue on its tasklet
            List<Evidence> e = r.after();
            evidence.addAll(e);
            byte[] after = new byte[LENGTH];
            ram.read(pa, after, 0, LENGTH);
            if (!java.util.Arrays.equals(before, after)) {
                hit.add(t.getKey());
                ram.write(pa, before, 0, LENGTH); // the observer undoes what the attack did
            }
            if (ownBefore != null) {
                ownWrite(a, pa, ownBefore);
            }
        }
        return result(a, !hit.isEmpty(), hit.isEmpty() ? "host memory of every target is unchanged"
                : "the device wrote into " + String.join(", ", hit), evidence);
    }

    /** The host physical addresses to aim at, by what they are. */
    private Map<String, Long> targets(Attacker a, PhysicalMemory ram) {
        Map<String, Long> t = new LinkedHashMap<>();
        Domain dom0 = p.hv().hardwareDomain();
        if (dom0 != null && dom0.id() != a.domain.id()) {
            // Dom0 is direct-mapped (IPA = PA): its own tree says where its RAM is.
            for (RegEntry r : dom0.deviceTree().memory()) {
                addIfRam(t, ram, "Dom0 RAM (low)", r.address() + 0x10_0000);
                addIfRam(t, ram, "Dom0 RAM (top)", r.end() - 0x1_0000);
                break;
            }
        }
        for (DtNode n : p.machine().platform().nodes()) {
            if (n.reg().isEmpty()) {
                continue;
            }
            long base = n.reg().get(0).address();
            if (n.compatibles().contains("arm,smmu-v3")) {
                addIfRam(t, ram, "Xen's SMMU stream table", p.machine().system().read(base + STRTAB_BASE, 8) & ADDR_MASK);
            } else if (n.compatibles().contains("arm,gic-v3-its")) {
                addIfRam(t, ram, "Xen's ITS command queue", p.machine().system().read(base + GITS_CBASER, 8) & ADDR_MASK);
                addIfRam(t, ram, "Xen's ITS Device table", p.machine().system().read(base + GITS_BASER0, 8) & ADDR_MASK);
            }
        }
        return t;
    }

    private static void addIfRam(Map<String, Long> t, PhysicalMemory ram, String what, long pa) {
        if (pa != 0 && ram.isRam(pa, LENGTH) && !t.containsValue(pa)) {
            t.put(what, pa);
        }
    }

    private static long crc(PhysicalMemory ram, long pa) {
        byte[] b = new byte[LENGTH];
        ram.read(pa, b, 0, LENGTH);
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    private static byte[] ownRead(Attacker a, long ipa) {
        byte[] b = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i += 8) {
            long v = a.ipa.read(ipa + i, 8);
            for (int k = 0; k < 8; k++) {
                b[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return b;
    }

    private static void ownWrite(Attacker a, long ipa, byte[] b) {
        for (int i = 0; i < LENGTH; i += 8) {
            long v = 0;
            for (int k = 0; k < 8; k++) {
                v |= (b[i + k] & 0xffL) << (8 * k);
            }
            a.ipa.write(ipa + i, 8, v);
        }
    }
}
