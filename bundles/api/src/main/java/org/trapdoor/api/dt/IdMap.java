package org.trapdoor.api.dt;

import java.util.ArrayList;
import java.util.List;

/**
 * A host bridge's {@code msi-map} or {@code iommu-map} with its {@code -mask}: maps a requester ID
 * (RID = {@code bus<<8 | devfn}) to an ITS DeviceID or an IOMMU StreamID, with the semantics of
 * Xen's {@code dt_map_id}:
 * <ul>
 * <li>the mask defaults to all ones (also when the mask property is shorter than a cell);</li>
 * <li>entries are scanned in order; an entry whose id-base has bits outside the mask is an error
 *     when the scan reaches it;</li>
 * <li>the first entry with {@code base <= rid&mask < base+length} (32-bit arithmetic) whose target
 *     is the one asked for (or any, if none is asked for) gives {@code rid&mask - base + out-base};</li>
 * <li>no matching entry: the ID is returned unchanged, without a target.</li>
 * </ul>
 * A missing property is the caller's decision: {@link #parse} returns {@code null} (identity for
 * {@code msi-map}; "not behind an IOMMU" for {@code iommu-map} in Xen).
 */
public final class IdMap {
    /** One {@code <id-base phandle out-base length>} entry; {@code target} is null if no node has the phandle. */
    public record Entry(long idBase, long phandle, DtNode target, long outBase, long length) {
    }

    /**
     * The outcome of a look-up.
     *
     * @param id         the output ID (unchanged input when nothing matched)
     * @param target     the node the entry points to, or {@code null} when nothing matched
     * @param translated whether an entry matched
     */
    public record Result(long id, DtNode target, boolean translated) {
        public long phandle() {
            return target == null ? -1 : target.phandle();
        }
    }

    private final DtNode owner;
    private final String mapName;
    private final String maskName;
    private final long mask;
    private final List<Entry> entries;

    private IdMap(DtNode owner, String mapName, String maskName, long mask, List<Entry> entries) {
        this.owner = owner;
        this.mapName = mapName;
        this.maskName = maskName;
        this.mask = mask;
        this.entries = entries;
    }

    /** The node's {@code msi-map} (with {@code msi-map-mask}), or {@code null} when it has none. */
    public static IdMap msiMap(DtNode node) {
        return parse(node, "msi-map", "msi-map-mask");
    }

    /** The node's {@code iommu-map} (with {@code iommu-map-mask}), or {@code null} when it has none. */
    public static IdMap iommuMap(DtNode node) {
        return parse(node, "iommu-map", "iommu-map-mask");
    }

    /**
     * Parses {@code mapName} of {@code node}, or returns {@code null} when the property is absent.
     *
     * @throws DeviceTreeException if the property is empty or not a multiple of 16 bytes
     */
    public static IdMap parse(DtNode node, String mapName, String maskName) {
        DtProperty map = node.property(mapName);
        if (map == null) {
            return null;
        }
        if (map.isEmpty() || map.length() % 16 != 0) {
            throw new DeviceTreeException(node.path() + ": bad " + mapName + " length " + map.length()
                    + ": not a non-zero multiple of 16 bytes (<id-base phandle out-base length> entries)");
        }
        DtProperty m = maskName == null ? null : node.property(maskName);
        long mask = m == null || m.cellCount() < 1 ? 0xffff_ffffL : m.u32();
        List<Entry> entries = new ArrayList<>();
        for (int o = 0; o < map.cellCount(); o += 4) {
            long ph = map.cell(o + 1);
            entries.add(new Entry(map.cell(o), ph, node.resolvePhandle(ph), map.cell(o + 2), map.cell(o + 3)));
        }
        return new IdMap(node, mapName, maskName, mask, List.copyOf(entries));
    }

    public DtNode owner() {
        return owner;
    }

    public String name() {
        return mapName;
    }

    public long mask() {
        return mask;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** Maps {@code id} through the first matching entry, whatever its target. */
    public Result map(long id) {
        return map(id, null);
    }

    /**
     * Maps {@code id}, considering only entries pointing at {@code target} (any, if {@code null}).
     *
     * @throws DeviceTreeException if the scan meets an id-base outside the mask, or the matching
     *                             entry's phandle names no node
     */
    public Result map(long id, DtNode target) {
        long masked = id & mask;
        for (Entry e : entries) {
            if ((e.idBase() & ~mask & 0xffff_ffffL) != 0) {
                throw new DeviceTreeException(String.format(
                        "%s: invalid %s translation: %s (0x%x) ignores id-base (0x%x)",
                        owner.path(), mapName, maskName, mask, e.idBase()));
            }
            // 32-bit arithmetic, as in Xen: base + length wraps.
            long end = (e.idBase() + e.length()) & 0xffff_ffffL;
            if (masked < e.idBase() || masked >= end) {
                continue;
            }
            if (e.target() == null) {
                throw new DeviceTreeException(String.format("%s: %s entry for id-base 0x%x names phandle 0x%x, "
                        + "which no node has", owner.path(), mapName, e.idBase(), e.phandle()));
            }
            if (target != null && target != e.target()) {
                continue;
            }
            return new Result((masked - e.idBase() + e.outBase()) & 0xffff_ffffL, e.target(), true);
        }
        return new Result(id, null, false);
    }

    @Override
    public String toString() {
        return owner.path() + " " + mapName + " (mask 0x" + Long.toHexString(mask) + ", " + entries.size() + " entries)";
    }
}
