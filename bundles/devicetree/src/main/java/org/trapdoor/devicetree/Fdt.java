package org.trapdoor.devicetree;

/** Constants of the flattened device tree format (Devicetree Specification v0.4, chapter 5). */
final class Fdt {
    static final int MAGIC = 0xd00dfeed;
    /** Header size of versions 17 (and 16 without size_dt_struct, which we never write). */
    static final int HEADER_SIZE = 40;
    static final int V16_HEADER_SIZE = 36;
    static final int VERSION = 17;
    static final int LAST_COMP_VERSION = 16;

    static final int BEGIN_NODE = 0x1;
    static final int END_NODE = 0x2;
    static final int PROP = 0x3;
    static final int NOP = 0x4;
    static final int END = 0x9;

    /** Deepest node nesting (and DTS expression nesting) we accept; real trees stay below 10. */
    static final int MAX_DEPTH = 256;

    private Fdt() {
    }

    static int align4(int n) {
        return (n + 3) & ~3;
    }
}
