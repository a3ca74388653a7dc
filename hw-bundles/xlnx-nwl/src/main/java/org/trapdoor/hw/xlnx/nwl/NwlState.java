package org.trapdoor.hw.xlnx.nwl;

/** What a replacement NWL model takes over: the bridge registers, the MSI bitmap and masks, the root port. */
record NwlState(long[] breg, long msiStatus, long msiMask, int[] rootPort) {
}
