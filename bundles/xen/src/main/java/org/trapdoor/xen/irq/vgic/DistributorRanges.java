package org.trapdoor.xen.irq.vgic;

import org.trapdoor.api.register.RangeHandler;

/**
 * The GICD ranges that the trapped GICv2 and GICv3 distributors emulate alike, over the domain's
 * {@link Vgic} state, as Xen's common {@code vgic.c} serves both {@code vgic-v2.c} and
 * {@code vgic-v3.c} ({@code vgic_enable_irqs}/{@code vgic_disable_irqs},
 * {@code vgic_set_irqs_pending}, the rank's priority bytes and ICFGR). Where the two differ, the
 * difference is a parameter: a GICv2 distributor serves the banked word 0 (SGIs, PPIs) as vCPU
 * 0's, a GICv3 one leaves it to the redistributor (RAZ/WI).
 */
final class DistributorRanges {
    private DistributorRanges() {
    }

    /** Reads as zero, writes ignored. */
    static RangeHandler razWi() {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                return 0;
            }

            @Override
            public void write(int offset, int size, long value) {
                // write ignored
            }
        };
    }

    /**
     * ISENABLER ({@code set}) or ICENABLER: one bit per INTID. Word 0 is vCPU 0's private enables
     * when {@code banked} (GICv2), else RAZ/WI (GICv3: the redistributor's).
     */
    static RangeHandler enable(Vgic vgic, boolean set, boolean banked) {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                int word = offset / 4;
                if (word == 0) {
                    return banked ? vgic.vcpu(0).privateEnabled.get() & 0xffff_ffffL : 0;
                }
                return vgic.spiEnableWord(word) & 0xffff_ffffL;
            }

            @Override
            public void write(int offset, int size, long value) {
                synchronized (vgic.lock) {
                    if (offset / 4 != 0) {
                        vgic.spiEnable(offset / 4, (int) value, set);
                    } else if (banked) {
                        enablePrivate(vgic.vcpu(0), (int) value, set);
                    }
                }
            }
        };
    }

    /** Enables or disables private interrupts of {@code v}; one newly enabled while queued is signalled. */
    private static void enablePrivate(Vcpu v, int bits, boolean enable) {
        int before = enable ? v.privateEnabled.getAndAccumulate(bits, (a, b) -> a | b)
                : v.privateEnabled.getAndAccumulate(bits, (a, b) -> a & ~b);
        for (int now = enable ? bits & ~before : 0; now != 0; now &= now - 1) {
            int id = Integer.numberOfTrailingZeros(now);
            if (v.queued.get(id)) {
                v.signal(id);
            }
        }
    }

    /**
     * ISPENDR: reads zero; each bit written for an SPI injects it ({@code vgic_set_irqs_pending},
     * counted like any injection); word 0 is ignored.
     */
    static RangeHandler setPending(Vgic vgic) {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                return 0;
            }

            @Override
            public void write(int offset, int size, long value) {
                int word = offset / 4;
                if (word == 0) {
                    return;
                }
                for (int bits = (int) value; bits != 0; bits &= bits - 1) {
                    vgic.inject(0, word * 32 + Integer.numberOfTrailingZeros(bits));
                }
            }
        };
    }

    /**
     * IPRIORITYR: one byte per INTID. The private bytes are vCPU 0's when {@code banked} (GICv2),
     * else RAZ/WI (GICv3).
     */
    static RangeHandler priority(Vgic vgic, boolean banked) {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    int id = offset + i;
                    int p = id >= Vgic.PRIVATE ? vgic.spiPriority(id)
                            : banked ? vgic.vcpu(0).privatePriority[id] & 0xff : 0;
                    v = v << 8 | p;
                }
                return v;
            }

            @Override
            public void write(int offset, int size, long value) {
                synchronized (vgic.lock) {
                    for (int i = 0; i < size; i++) {
                        int id = offset + i;
                        int p = (int) (value >>> (8 * i)) & 0xff;
                        if (id >= Vgic.PRIVATE) {
                            vgic.spiPriority(id, p);
                        } else if (banked) {
                            vgic.vcpu(0).privatePriority[id] = (byte) p;
                        }
                    }
                }
            }
        };
    }

    /**
     * ICFGR: two bits per INTID, of which only bit 1 (edge) means anything for a virtual SPI.
     * ICFGR0 (SGIs) reads {@code sgiWord}, ICFGR1 (PPIs) zero; both ignore writes.
     */
    static RangeHandler edgeConfig(Vgic vgic, long sgiWord) {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                int reg = offset / 4; // two registers per word of INTIDs
                if (reg < 2) {
                    return reg == 0 ? sgiWord : 0;
                }
                return expandEdge(vgic.spiEdgeWord(reg / 2) >>> (16 * (reg & 1)));
            }

            @Override
            public void write(int offset, int size, long value) {
                int reg = offset / 4;
                if (reg < 2) {
                    return;
                }
                synchronized (vgic.lock) {
                    int word = reg / 2;
                    int shift = 16 * (reg & 1);
                    int edges = compressEdge(value) << shift;
                    vgic.spiEdgeWord(word, vgic.spiEdgeWord(word) & ~(0xffff << shift) | edges);
                }
            }
        };
    }

    /** 16 edge bits to an ICFGR value (bit 1 of each INTID's pair). */
    static long expandEdge(int edges16) {
        long v = 0;
        for (int i = 0; i < 16; i++) {
            if ((edges16 & (1 << i)) != 0) {
                v |= 2L << (2 * i);
            }
        }
        return v;
    }

    /** An ICFGR value to its 16 edge bits. */
    static int compressEdge(long icfgr) {
        int e = 0;
        for (int i = 0; i < 16; i++) {
            if ((icfgr & (2L << (2 * i))) != 0) {
                e |= 1 << i;
            }
        }
        return e;
    }
}
