package org.trapdoor.shell.iommu;

import org.trapdoor.shell.command.Bdf;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.trapdoor.api.guest.GuestDmaMapping;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.shell.ShellFormatter;

/**
 * Renders the IOMMU commands' results. Fault records are decoded with the architecture's names:
 * SMMUv3 event IDs ({@code F_TRANSLATION}), SMMUv2 fault status bits ({@code FSR.TF},
 * {@code sGFSR.USF}).
 */
public final class IommuFormatter {
    private IommuFormatter() {
    }

    /** The text for {@code o} at {@code level} (see {@link ShellFormatter}), or {@code null}. */
    public static CharSequence format(Object o, int level) {
        if (o instanceof IommuListing l) {
            return level == ShellFormatter.INSPECT ? iommu(l) : l.entries().size() + " IOMMUs";
        }
        if (o instanceof IommuEvents e) {
            return level == ShellFormatter.INSPECT ? events(e) : e.faults().size() + " IOMMU events";
        }
        if (o instanceof IommuFault f) {
            return level == ShellFormatter.PART ? eventName(f) : event(f);
        }
        if (o instanceof DmaReport d) {
            return level == ShellFormatter.INSPECT ? dma(d) : d.result().message();
        }
        return null;
    }

    /** One block per IOMMU, separated by blank lines. */
    public static String iommu(IommuListing l) {
        if (l.entries().isEmpty()) {
            return "no IOMMU on this platform (no arm,smmu-v3 or arm,mmu-500/arm,smmu-v2 node)";
        }
        List<String> blocks = new ArrayList<>();
        for (IommuListing.Entry e : l.entries()) {
            blocks.add(block(e, l.kernel()));
        }
        return String.join("\n\n", blocks);
    }

    /**
     * {@code IOMMU path: model, state}, the model's own summary (mode, IOTLB, faults), the
     * StreamIDs routed to it, then the stream table or SMR/S2CR set-up the guest made.
     */
    public static String block(IommuListing.Entry e, String kernel) {
        StringBuilder sb = new StringBuilder("IOMMU ").append(e.path()).append(": ").append(e.model()).append(", ");
        if (e.state() == NodeState.BOUND) {
            sb.append("bound to ").append(e.driver());
            sb.append("\n  ").append(e.summary().isEmpty() ? "(the model gives no summary)" : e.summary());
        } else {
            sb.append(e.state().name().toLowerCase(Locale.ROOT));
            if (e.problem() != null && !e.problem().isEmpty()) {
                sb.append(" (").append(e.problem()).append(')');
            }
            sb.append("\n  no model: every DMA and MSI write routed through it is aborted");
        }
        if (e.upstreamAborts() > 0) {
            sb.append("\n  aborted while unbound: ").append(e.upstreamAborts()).append(" device transactions");
        }
        if (e.streams().isEmpty()) {
            sb.append("\n  streams: none (no iommu-map names this IOMMU)");
        }
        for (IommuTopology.StreamRange r : e.streams()) {
            sb.append(String.format("%n  streams: StreamID 0x%x-0x%x <- %s RID 0x%x-0x%x", r.first(),
                    r.first() + r.count() - 1, r.bridge(), r.rid(), r.rid() + r.count() - 1));
        }
        sb.append('\n').append(streamTable(e, kernel));
        return sb.toString();
    }

    private static String streamTable(IommuListing.Entry e, String kernel) {
        boolean v2 = e.model().equals("smmuv2");
        String what = v2 ? "stream mapping (SMR/S2CR -> context bank)" : "stream table";
        if (kernel == null) {
            return "  " + what + ": no guest kernel has programmed it";
        }
        if (e.domains().isEmpty()) {
            return "  " + what + ": no valid " + (v2 ? "SMRs" : "STEs") + " from " + kernel
                    + " (no function behind it is in a DMA domain)";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SID", "DEVICE", "CONFIG", "TTB0", "DMA-MASK", "MAPPINGS"});
        for (GuestIommuDomain d : e.domains()) {
            String config = v2 || d.context() >= 0
                    ? String.format("S1 translate, context bank %d, ASID %d", d.context(), d.asid())
                    : String.format("S1 translate, CD ASID %d", d.asid());
            rows.add(new String[] {String.format("0x%x", d.streamId()), Bdf.printed(d.bdf()), config,
                    String.format("0x%x", d.tableBase()), String.format("0x%x", d.dmaMask()), mappings(d)});
        }
        StringBuilder sb = new StringBuilder(String.format("  %s: %d valid %s from %s", what, e.domains().size(),
                v2 ? "SMRs" : "STEs", kernel));
        for (String line : ShellFormatter.table(rows).split("\n")) {
            sb.append("\n    ").append(line);
        }
        return sb.toString();
    }

    /** {@code 3 (2 dma, 1 msi)}: how many mappings, by purpose. */
    static String mappings(GuestIommuDomain d) {
        if (d.mappings().isEmpty()) {
            return "0";
        }
        Map<String, Integer> by = new TreeMap<>();
        for (GuestDmaMapping m : d.mappings()) {
            by.merge(m.purpose(), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        by.forEach((k, v) -> parts.add(v + " " + k));
        return d.mappings().size() + " (" + String.join(", ", parts) + ")";
    }

    /** A table of fault records, oldest first (newest last). */
    public static String events(IommuEvents e) {
        String scope = e.node() == null ? "" : " of " + e.node();
        if (e.kernel() == null) {
            return "no guest kernel: no IOMMU event queue" + scope + " is being read";
        }
        if (e.faults().isEmpty()) {
            return "no IOMMU events" + scope + " (read by " + e.kernel() + ")";
        }
        return e.faults().size() + " IOMMU events" + scope + ", newest last:\n" + table(e.faults());
    }

    static String table(List<IommuFault> faults) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"EVENT", "CODE", "SID", "ACCESS", "ADDRESS", "STAGE", "IPA/FETCH", "CB"});
        for (IommuFault f : faults) {
            boolean config = configuration(f);
            String extra = f.ipa() == 0 && !f.stage2() ? "-" : String.format("0x%x", f.ipa());
            rows.add(new String[] {eventName(f), String.format("0x%02x", f.code()), String.format("0x%x", f.streamId()),
                    config ? "-" : f.write() ? "write" : "read", config ? "-" : String.format("0x%x", f.address()),
                    config ? "-" : f.stage2() ? "S2" : "S1", extra, f.context() < 0 ? "-" : Integer.toString(f.context())});
        }
        return ShellFormatter.table(rows);
    }

    /** One record on one line: {@code F_TRANSLATION sid=0x8 write addr=0x... S1}. */
    public static String event(IommuFault f) {
        StringBuilder sb = new StringBuilder(eventName(f)).append(String.format(" sid=0x%x", f.streamId()));
        if (!configuration(f)) {
            sb.append(f.write() ? " write" : " read").append(String.format(" addr=0x%x", f.address()))
                    .append(f.stage2() ? " S2" : " S1");
        }
        if (f.stage2() || f.ipa() != 0) {
            sb.append(String.format(" %s=0x%x", f.stage2() ? "ipa" : "fetch", f.ipa()));
        }
        if (f.context() >= 0) {
            sb.append(" cb=").append(f.context());
        }
        return sb.toString();
    }

    /** The architecture's name of the record. */
    public static String eventName(IommuFault f) {
        if (IommuTopology.model(f).equals("smmuv2")) {
            return switch (f.kind()) {
                case UNIDENTIFIED_STREAM -> "sGFSR.USF";
                case STREAM_MATCH_CONFLICT -> "sGFSR.SMCF";
                case UNIMPLEMENTED_CONTEXT_BANK -> "sGFSR.UCBF";
                case CONFIGURATION_ACCESS -> "sGFSR.CAF";
                case WALK_EABT -> "FSR.EF";
                case TRANSLATION -> "FSR.TF";
                case ADDR_SIZE -> "FSR.ASF";
                case ACCESS -> "FSR.AFF";
                case PERMISSION -> "FSR.PF";
                default -> f.kind().name();
            };
        }
        return switch (f.kind()) {
            case BAD_STREAMID -> "C_BAD_STREAMID";
            case STE_FETCH -> "F_STE_FETCH";
            case BAD_STE -> "C_BAD_STE";
            case CD_FETCH -> "F_CD_FETCH";
            case BAD_CD -> "C_BAD_CD";
            case WALK_EABT -> "F_WALK_EABT";
            case TRANSLATION -> "F_TRANSLATION";
            case ADDR_SIZE -> "F_ADDR_SIZE";
            case ACCESS -> "F_ACCESS";
            case PERMISSION -> "F_PERMISSION";
            default -> f.kind().name();
        };
    }

    /** SMMUv3 configuration errors (C_BAD_*, F_*_FETCH) record no access: no direction, address or stage. */
    private static boolean configuration(IommuFault f) {
        return switch (f.kind()) {
            case BAD_STREAMID, STE_FETCH, BAD_STE, CD_FETCH, BAD_CD -> true;
            default -> false;
        };
    }

    /** The outcome line, then the bytes moved or the fault and the records the IOMMU made. */
    public static String dma(DmaReport d) {
        GuestDmaTest r = d.result();
        String dir = r.toMemory() ? "write" : "read";
        StringBuilder sb = new StringBuilder(String.format("%s: DMA %s of 0x%x bytes %s bus address 0x%x%s", Bdf.printed(r.bdf()),
                dir, r.length(), r.toMemory() ? "to" : "from", r.busAddress(),
                r.translated() ? " (an IOVA: the function is behind an IOMMU)" : " (no IOMMU: a physical address)"));
        if (r.ok()) {
            sb.append(String.format("%ndone: 0x%x bytes moved (%s %s), status 0x%x", r.length(),
                    r.toMemory() ? "written to" : "read from", d.target() == null ? "memory" : d.target(), r.status()));
        } else {
            sb.append(String.format("%nfailed: status 0x%x, fault at bus address 0x%x", r.status(),
                    r.faultAddress()));
        }
        if (!d.recorded().isEmpty()) {
            sb.append(String.format("%nthe IOMMU aborted it before memory and recorded %d fault%s:",
                    d.recorded().size(), d.recorded().size() == 1 ? "" : "s"));
            for (String line : table(d.recorded()).split("\n")) {
                sb.append("\n  ").append(line);
            }
        } else if (d.hypervisorFaults() > 0) {
            sb.append(String.format("%nthe hypervisor's IOMMU driver faulted it at %s's stage 2 and counted %d DMA "
                    + "fault%s against %s ('xen' shows DMA FAULTS)", d.domain(), d.hypervisorFaults(),
                    d.hypervisorFaults() == 1 ? "" : "s", d.domain()));
        } else if (!r.ok()) {
            sb.append("\nno IOMMU fault was recorded: the transfer failed outside the IOMMU "
                    + "(no memory or device at that address, or a target refused it)");
        }
        return sb.toString();
    }
}
