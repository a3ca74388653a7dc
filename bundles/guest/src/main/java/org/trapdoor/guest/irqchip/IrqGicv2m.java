package org.trapdoor.guest.irqchip;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.printk.BootLog;

/**
 * The MSI domain of one {@code arm,gic-v2m-frame} node, following {@code irq-gic-v2m.c}: the SPI
 * range from MSI_TYPER (or {@code arm,msi-base-spi}/{@code arm,msi-num-spis}), validated as
 * {@code is_msi_spi_valid} does (base at least 32, base + number at most 1019: a frame whose range
 * ends on SPI 1019, valid in the architecture, is refused as Linux refuses it); vectors are SPIs of
 * the frame handed out in power-of-two blocks aligned on their offset from the frame's first SPI
 * ({@code gicv2m_irq_domain_alloc}'s {@code bitmap_find_free_region}: for a multi-message MSI on a
 * frame whose first SPI is not aligned to the block, the function's vectors then reach other SPIs
 * than those allocated, as on Linux); each message is address = frame + MSI_SETSPI_NS, data =
 * SPI; each SPI is configured edge-triggered and enabled at the distributor. Behind an IOMMU the
 * address is the frame's IOVA the request's doorbell mapping gives.
 *
 * <p>The X-Gene and Broadcom NS2 data quirks (MSI_IIDR) are applied as Linux does.
 */
public final class IrqGicv2m implements MsiDomain {
    static final int MSI_TYPER = 0x008;
    public static final int MSI_SETSPI_NS = 0x040;
    static final int MSI_IIDR = 0xFCC;
    static final int IIDR_XGENE = 0x06000170;
    static final int IIDR_BROADCOM_NS2 = 0x0000013F;
    static final int V2M_MIN_SPI = 32, V2M_MAX_SPI = 1019;

    private final DtNode node;
    private final IrqChip chip;
    private final Mmio mmio;
    private final BootLog log;
    private long frame;
    private int iidr;
    private IntidBitmap spis;

    public IrqGicv2m(DtNode node, IrqChip chip, Mmio mmio, BootLog log) {
        this.node = node;
        this.chip = chip;
        this.mmio = mmio;
        this.log = log;
    }

    @Override
    public String kind() {
        return "GICv2m";
    }

    @Override
    public String node() {
        return node.path();
    }

    @Override
    public void init() {
        List<RegEntry> reg = node.reg();
        if (reg.isEmpty()) {
            throw new IllegalStateException(node.path() + ": no reg");
        }
        frame = reg.get(0).address();
        int base;
        int count;
        if (node.has("arm,msi-base-spi") && node.has("arm,msi-num-spis")) {
            base = (int) node.u32("arm,msi-base-spi", 0);
            count = (int) node.u32("arm,msi-num-spis", 0);
        } else {
            int typer = mmio.read32(frame + MSI_TYPER);
            base = (typer >>> 16) & 0x3ff;
            count = typer & 0x3ff;
        }
        // is_msi_spi_valid: V2M_MIN_SPI 32, V2M_MAX_SPI 1019, and base + num must not exceed the latter.
        if (base < V2M_MIN_SPI) {
            throw new IllegalStateException(String.format("GICv2m@0x%x: Invalid MSI base SPI (base:%d)", frame, base));
        }
        if (count == 0 || base + count > V2M_MAX_SPI) {
            throw new IllegalStateException(String.format("GICv2m@0x%x: Number of SPIs (%d) exceed maximum (%d)", frame,
                    count, V2M_MAX_SPI - V2M_MIN_SPI + 1));
        }
        iidr = mmio.read32(frame + MSI_IIDR);
        spis = new IntidBitmap(base, count);
        log.info("GICv2m: range[mem 0x%08x-0x%08x], SPI[%d:%d]", frame, frame + 0xfff, base, base + count - 1);
    }

    public long doorbell() {
        return frame + MSI_SETSPI_NS;
    }

    /** The data that raises {@code spi}, after Linux's IIDR quirks. */
    private int data(int spi) {
        return switch (iidr) {
            case IIDR_XGENE -> spi - spis.first();
            case IIDR_BROADCOM_NS2 -> spi - 32;
            default -> spi;
        };
    }

    @Override
    public synchronized MsiBlock allocate(MsiRequest r) {
        int size = r.multiMsi() ? IntidBitmap.roundUpPow2(r.vectors()) : 1;
        List<MsiMessage> messages = new ArrayList<>();
        List<int[]> blocks = new ArrayList<>();
        long address = r.doorbell().applyAsLong(doorbell());
        try {
            if (r.multiMsi()) {
                int first = spis.allocate(size);
                if (first < 0) {
                    throw new IllegalStateException(r.bdf() + ": no aligned block of " + size + " SPIs left in the v2m frame");
                }
                blocks.add(new int[] {first, size});
                for (int i = 0; i < r.vectors(); i++) {
                    messages.add(new MsiMessage(address, data(first + i), first + i));
                }
            } else {
                // MSI-X: each vector is its own message, any SPI will do.
                for (int i = 0; i < r.vectors(); i++) {
                    int spi = spis.allocate(1);
                    if (spi < 0) {
                        throw new IllegalStateException(r.bdf() + ": v2m frame out of SPIs after " + i + " vectors");
                    }
                    blocks.add(new int[] {spi, 1});
                    messages.add(new MsiMessage(address, data(spi), spi));
                }
            }
        } catch (RuntimeException e) {
            for (int[] b : blocks) {
                spis.free(b[0], b[1]);
            }
            throw e;
        }
        for (MsiMessage m : messages) {
            chip.enableEdgeSpi(m.intid());
        }
        int first = messages.isEmpty() ? -1 : messages.get(0).intid();
        log.info("GICv2m: %s: %d vector(s), SPIs %s", r.bdf(), messages.size(),
                messages.stream().map(m -> Integer.toString(m.intid())).reduce((a, b) -> a + "," + b).orElse("-"));
        return new MsiBlock(-1, first, r.multiMsi() ? size : messages.size(), messages);
    }

    @Override
    public synchronized void free(MsiBlock b) {
        for (MsiMessage m : b.messages()) {
            chip.disableSpi(m.intid());
        }
        if (b.messages().isEmpty()) {
            return;
        }
        if (b.reserved() > 1 && b.reserved() >= b.messages().size() && contiguous(b)) {
            spis.free(b.first(), b.reserved());
        } else {
            for (MsiMessage m : b.messages()) {
                spis.free(m.intid(), 1);
            }
        }
    }

    private static boolean contiguous(MsiBlock b) {
        for (int i = 0; i < b.messages().size(); i++) {
            if (b.messages().get(i).intid() != b.first() + i) {
                return false;
            }
        }
        return true;
    }
}
