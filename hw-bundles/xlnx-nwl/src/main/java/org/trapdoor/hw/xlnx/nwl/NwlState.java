package org.trapdoor.hw.xlnx.nwl;

import java.util.Map;

/**
 * What a replacement NWL model takes over: the bridge registers, the MSI bitmap and masks, the
 * root port. Handed over as a map of JDK types, not as this record: the replacement may be
 * another version of this bundle, whose class loader has its own {@code NwlState} class, and a
 * record would not be an instance of it.
 */
record NwlState(long[] breg, long msiStatus, long msiMask, int[] rootPort) {
    /** Names the layout; a later version that changes it picks another. */
    static final String FORMAT = "xlnx,nwl-pcie-2.11 state 1";

    Map<String, Object> toPlain() {
        return Map.of("format", FORMAT, "breg", breg.clone(), "msiStatus", msiStatus, "msiMask", msiMask, "rootPort",
                rootPort.clone());
    }

    /** The state in {@code plain}, or null when it is not of this layout (another model's, or none). */
    static NwlState fromPlain(Object plain) {
        if (!(plain instanceof Map<?, ?> m) || !FORMAT.equals(m.get("format")) || !(m.get("breg") instanceof long[] b)
                || !(m.get("msiStatus") instanceof Long s) || !(m.get("msiMask") instanceof Long k)
                || !(m.get("rootPort") instanceof int[] r)) {
            return null;
        }
        return new NwlState(b, s, k, r);
    }
}
