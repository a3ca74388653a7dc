package org.trapdoor.shell.iommu;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.iommu.IommuFault;

/**
 * Which platform nodes are IOMMUs, which StreamIDs reach each (from the host bridges'
 * {@code iommu-map}), and which fault records belong to which IOMMU.
 */
public final class IommuTopology {
    /** Compatibles of the SMMUv3 model. */
    static final Set<String> SMMUV3 = Set.of("arm,smmu-v3");
    /** Compatibles of the SMMUv2 model (MMU-500 and the generic SMMUv2/v1 strings Linux binds). */
    static final Set<String> SMMUV2 = Set.of("arm,mmu-500", "arm,smmu-v2", "arm,mmu-401", "arm,mmu-400",
            "arm,smmu-v1");

    private static final Set<IommuFault.Kind> SMMUV2_ONLY = Set.of(IommuFault.Kind.UNIDENTIFIED_STREAM,
            IommuFault.Kind.STREAM_MATCH_CONFLICT, IommuFault.Kind.UNIMPLEMENTED_CONTEXT_BANK,
            IommuFault.Kind.CONFIGURATION_ACCESS);

    /**
     * StreamIDs {@code [first, first+count)} that requester IDs {@code [rid, rid+count)} of
     * {@code bridge} are given.
     */
    public record StreamRange(String bridge, long rid, long first, long count) {
    }

    private IommuTopology() {
    }

    /** {@code smmuv3}, {@code smmuv2}, or {@code null} for a node that is no SMMU. */
    public static String model(List<String> compatibles) {
        for (String c : compatibles) {
            if (SMMUV3.contains(c)) {
                return "smmuv3";
            }
            if (SMMUV2.contains(c)) {
                return "smmuv2";
            }
        }
        return null;
    }

    /** The model a fault record comes from: the SMMUv2 context-bank and global faults, else SMMUv3. */
    public static String model(IommuFault f) {
        return f.context() >= 0 || SMMUV2_ONLY.contains(f.kind()) ? "smmuv2" : "smmuv3";
    }

    /**
     * The StreamID ranges that the platform's {@code iommu-map} properties send to {@code iommu}, in
     * tree order. A malformed map contributes nothing (the machine reports it when binding).
     */
    public static List<StreamRange> streams(DeviceTree tree, String iommu) {
        List<StreamRange> out = new ArrayList<>();
        for (DtNode n : tree.nodes()) {
            IdMap map;
            try {
                map = IdMap.iommuMap(n);
            } catch (DeviceTreeException e) {
                continue;
            }
            if (map == null) {
                continue;
            }
            for (IdMap.Entry e : map.entries()) {
                if (e.target() != null && e.target().path().equals(iommu)) {
                    out.add(new StreamRange(n.path(), e.idBase(), e.outBase(), e.length()));
                }
            }
        }
        return out;
    }

    /** True when {@code f} is a record of an IOMMU of {@code model} fed by {@code streams}. */
    public static boolean belongs(IommuFault f, String model, List<StreamRange> streams) {
        if (!model.equals(model(f))) {
            return false;
        }
        long sid = f.streamId() & 0xffff_ffffL;
        for (StreamRange r : streams) {
            if (sid >= r.first() && sid - r.first() < r.count()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The records of {@code after} that are not in {@code before}: both are windows of the same
     * history, oldest first, so the new ones follow the longest tail of {@code before} that
     * {@code after} starts with.
     */
    public static List<IommuFault> added(List<IommuFault> before, List<IommuFault> after) {
        int max = Math.min(before.size(), after.size());
        for (int k = max; k > 0; k--) {
            if (before.subList(before.size() - k, before.size()).equals(after.subList(0, k))) {
                return List.copyOf(after.subList(k, after.size()));
            }
        }
        return List.copyOf(after);
    }
}
