package org.trapdoor.api.memory;

/** Outcome of a memory transaction, as an AXI/ACE interconnect reports it. */
public enum MemResult {
    /** Completed. */
    OK,
    /** No target decodes the address (AXI DECERR): reads return all-ones, writes are dropped. */
    DECODE_ERROR,
    /** The target or an IOMMU refused the access (AXI SLVERR / SMMU abort). */
    ABORT
}
