package org.trapdoor.hw.xgene.pcie;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.ecam.ConfigGate;
import org.trapdoor.api.pci.ecam.SecondaryBus;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The AppliedMicro X-Gene (v1, "Storm") PCIe root complex ({@code apm,xgene-pcie}; Linux
 * {@code pci-xgene.c}): a {@code csr} register block and a {@code cfg} window that is not ECAM.
 *
 * <p>Config space: {@code cfg + reg} (reg &lt; 0x1000) is the root port's own config space;
 * {@code cfg + 0x10000 + reg} (address bits [17:16] = 01) sends a config cycle to the bus,
 * device and function in RTDID (csr 0x160: {@code bus << 8 | dev << 3 | fn}). The rest of the
 * window decodes nothing (reads all-ones). Only 32-bit accesses exist (Linux uses
 * {@code pci_generic_config_read32}/{@code write32}); other sizes abort and are counted. A cycle
 * to the bus is refused (all-ones, dropped, counted, like {@link ConfigGate} refusals elsewhere)
 * until CFGCTL's enable is set and the link is up.
 *
 * <p>Initialisation ({@code xgene_pcie_setup}) programs everything through the CSR: BRIDGE_CFG_0
 * (the root port's IDs), the outbound windows OMR1..3 (memory, prefetchable, I/O: CPU address,
 * mask with enable bit 0 and I/O bit 1, PCI address), CFGBAR/CFGCTL, and up to three inbound
 * windows (region 0: the root port's BAR0/1 with BRIDGE_CFG_4's mask and PIM1; region 1:
 * IBAR2/IR2MSK/PIM2; region 2: IBAR3/IR3MSK/PIM3; PIM high words carry coherency bits [31:28]).
 * Outbound accesses reach devices only through an enabled OMR window; upstream transactions
 * (DMA and MSI) only through an enabled inbound window, which translates them. The link is up
 * (PCIECORE_CTLANDSTATUS bit 8, x8 Gen3 in [15:14] and BRIDGE_STATUS_0 [31:26]) while the
 * controller's clock runs ({@code clocks}: its {@code apm,xgene-device-clock} page at csr +
 * 0xc000) and a device is attached.
 *
 * <p>The ECAM mechanism of the API fits only in part: the root port is the API's
 * {@code RootPort} (wrapped, {@link XgeneRootPort}), the functions behind it sit on its
 * secondary bus ({@link SecondaryBus}); the window decode is X-Gene's own.
 */
public final class XgenePcie implements HostBridge {
    static final int CSR_SIZE = 0x10000;
    static final int PCIECORE_CTLANDSTATUS = 0x50, PIM1_1L = 0x80, IBAR2 = 0x98, IR2MSK = 0x9c, PIM2_1L = 0xa0,
            IBAR3L = 0xb4, IR3MSKL = 0xbc, PIM3_1L = 0xc4, OMR1BARL = 0x100, OMR2BARL = 0x118, OMR3BARL = 0x130,
            CFGBARL = 0x154, CFGBARH = 0x158, CFGCTL = 0x15c, RTDID = 0x160, BRIDGE_CFG_0 = 0x2000,
            BRIDGE_CFG_4 = 0x2010, BRIDGE_STATUS_0 = 0x2600;
    static final int LINK_UP = 1 << 8, SPEED_GEN3 = 2 << 14, LANES = 8, EN_REG = 1, OB_LO_IO = 2;
    /** cfg + 0x10000: a config cycle to RTDID's function ({@code AXI_EP_CFG_ACCESS}). */
    static final int AXI_EP_CFG_ACCESS = 0x10000;
    static final long EN_COHERENCY = 0xf000_0000L;

    private final String path;
    private final int csrIndex;
    private final int cfgIndex;
    private final long cfgSize;
    private final int busFirst;
    private final int busLast;
    private final RegisterBlock csr = new RegisterBlock("csr", CSR_SIZE).allowSizes(4);
    /** 0x80..0x15c, the range {@code xgene_pcie_clear_config} zeroes. */
    private final Register[] windows;
    private final Register rtdid;
    private final Register bridgeCfg0;
    private final Register[] bridgeCfg4;
    private final XgeneRootPort rootPort;
    private final SecondaryBus link;
    private final ModelRef<XgeneDeviceClock> clock;
    private final InterruptCounters ledger;
    private final MmioHandler cfg = this::cfgAccess;
    private volatile AddressWindow[] inbound = new AddressWindow[0];
    private volatile AddressWindow[] outbound = new AddressWindow[0];
    private final LongAdder badAccesses = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder unsupportedRequests = new LongAdder();
    private final LongAdder inboundMisses = new LongAdder();

    /**
     * @param clock the controller's clock node's model, or null when the node names none (then it runs)
     */
    XgenePcie(String path, int csrIndex, int cfgIndex, long cfgSize, int busFirst, int busLast, PciHierarchy pci,
            ModelRef<XgeneDeviceClock> clock, InterruptCounters ledger) {
        this.path = path;
        this.csrIndex = csrIndex;
        this.cfgIndex = cfgIndex;
        this.cfgSize = cfgSize;
        this.busFirst = busFirst;
        this.busLast = busLast;
        this.clock = clock;
        this.ledger = ledger;
        csr.reg32("PCIECORE_CTLANDSTATUS", PCIECORE_CTLANDSTATUS).readOnly()
                .onRead(() -> linkUp() ? LINK_UP | SPEED_GEN3 : 0);
        windows = csr.reg32Array("CSR_", PIM1_1L, (RTDID - PIM1_1L) / 4);
        for (Register r : windows) {
            r.onWrite((o, v) -> windowsChanged());
        }
        rtdid = csr.reg32("RTDID", RTDID).writable(0xffff);
        bridgeCfg0 = csr.reg32("BRIDGE_CFG_0", BRIDGE_CFG_0);
        bridgeCfg4 = csr.reg32Array("BRIDGE_CFG_4_", BRIDGE_CFG_4, 3);
        for (Register r : bridgeCfg4) {
            r.onWrite((o, v) -> windowsChanged());
        }
        csr.reg32("BRIDGE_STATUS_0", BRIDGE_STATUS_0).readOnly().onRead(() -> linkUp() ? (long) LANES << 26 : 0);
        rootPort = new XgeneRootPort(() -> (int) bridgeCfg0.value(), this::windowsChanged);
        link = new SecondaryBus(pci, rootPort.port, busFirst);
    }

    private long word(int offset) {
        return windows[(offset - PIM1_1L) / 4].value();
    }

    private long pair(int offset) {
        return word(offset + 4) << 32 | word(offset);
    }

    /** The windows as programmed now; published for the access paths to read with one volatile load. */
    void windowsChanged() {
        List<AddressWindow> in = new ArrayList<>(3);
        // Region 0: BAR0/1 of the root port, its mask split over BRIDGE_CFG_4's three words
        // in 16-bit pieces (xgene_pcie_set_ib_mask), PIM1.
        long m0 = bridgeCfg4[0].value() >>> 16 | (bridgeCfg4[1].value() & 0xffff) << 16
                | (bridgeCfg4[1].value() >>> 16) << 32 | (bridgeCfg4[2].value() & 0xffff) << 48;
        if ((m0 & ~0xfL) != 0) {
            in.add(new AddressWindow("inbound 0", rootPort.inboundBar() & ~0xfL, m0 & ~0xfL, pim(PIM1_1L)));
        }
        long m1 = word(IR2MSK);
        if ((m1 & EN_REG) != 0) {
            in.add(new AddressWindow("inbound 1", word(IBAR2) & ~0xfL, (m1 & ~0xfL) | 0xffff_ffff_0000_0000L,
                    pim(PIM2_1L)));
        }
        long m2 = pair(IR3MSKL);
        if ((m2 & EN_REG) != 0) {
            in.add(new AddressWindow("inbound 2", pair(IBAR3L) & ~0xfL, m2 & ~0xfL, pim(PIM3_1L)));
        }
        inbound = in.toArray(new AddressWindow[0]);
        List<AddressWindow> out = new ArrayList<>(3);
        for (int base : new int[] {OMR1BARL, OMR2BARL, OMR3BARL}) {
            long mask = pair(base + 8);
            if ((mask & EN_REG) != 0) {
                String name = base == OMR3BARL ? "OMR3 (I/O)" : base == OMR2BARL ? "OMR2 (prefetchable)" : "OMR1 (memory)";
                out.add(new AddressWindow(name, pair(base + 0x10), mask & ~0xfL, pair(base)));
            }
        }
        outbound = out.toArray(new AddressWindow[0]);
    }

    /** A PIM pair: the system address, its coherency bits [63:60] not part of it. */
    private long pim(int offset) {
        return pair(offset) & ~(EN_COHERENCY << 32);
    }

    boolean clockRunning() {
        if (clock == null) {
            return true;
        }
        XgeneDeviceClock c = clock.get();
        return c != null && c.running();
    }

    /** PCIECORE_CTLANDSTATUS bit 8: the controller clocked and a device at the other end. */
    boolean linkUp() {
        return clockRunning() && link.anyDevice();
    }

    boolean configEnabled() {
        return (word(CFGCTL) & EN_REG) != 0;
    }

    private boolean gate() {
        if (configEnabled() && linkUp()) {
            return true;
        }
        refused.increment();
        return false;
    }

    private void cfgAccess(MemoryTransaction tx) {
        long off = tx.offset;
        if (tx.size != 4 || (off & 3) != 0 || off >= cfgSize) {
            badAccesses.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        PciFunction f = null;
        int reg = (int) off & 0xfff;
        if (off < 0x1000) {
            f = rootPort;
        } else if (off >= AXI_EP_CFG_ACCESS && off < AXI_EP_CFG_ACCESS + 0x1000 && gate()) {
            // xgene_pcie_set_rtdid_reg: the cycle's bus, device and function are RTDID's.
            int id = (int) rtdid.value();
            int bus = id >>> 8 & 0xff;
            f = bus > busFirst && bus <= busLast ? link.function(bus, id & 0xff) : null;
        }
        if (tx.write) {
            if (f != null) {
                f.configWrite(reg, 4, (int) tx.data);
            }
        } else {
            tx.data = f == null ? 0xffff_ffffL : f.configRead(reg, 4) & 0xffff_ffffL;
        }
        tx.result = MemResult.OK;
    }

    @Override
    public MmioHandler region(int index) {
        if (index == csrIndex) {
            return csr;
        }
        return index == cfgIndex ? cfg : null;
    }

    @Override
    public int busStart() {
        return busFirst;
    }

    @Override
    public int busEnd() {
        return busLast;
    }

    /** By BDF, as a hypervisor reaches it: the root port on the first bus, the link beyond it. */
    @Override
    public int configRead(int bus, int devfn, int offset, int size) {
        PciFunction f = function(bus, devfn);
        if (f == null || (size != 1 && size != 2 && size != 4) || offset < 0 || offset + size > 4096
                || (offset & (size - 1)) != 0) {
            return size == 1 || size == 2 ? (1 << (8 * size)) - 1 : -1;
        }
        return f.configRead(offset, size);
    }

    @Override
    public void configWrite(int bus, int devfn, int offset, int size, int value) {
        PciFunction f = function(bus, devfn);
        if (f != null && (size == 1 || size == 2 || size == 4) && offset >= 0 && offset + size <= 4096
                && (offset & (size - 1)) == 0) {
            f.configWrite(offset, size, value);
        }
    }

    private PciFunction function(int bus, int devfn) {
        if (bus == busFirst) {
            return devfn == 0 ? rootPort : null;
        }
        if (bus < busFirst || bus > busLast || !gate()) {
            return null;
        }
        return link.function(bus, devfn);
    }

    /** Through an enabled OMR window (matched on the PCI address), to the function whose BAR decodes it. */
    @Override
    public void outbound(MemoryTransaction tx) {
        if (linkUp()) {
            for (AddressWindow w : outbound) {
                if (w.contains(tx.address)) {
                    for (int rid : link.requesterIds()) {
                        PciFunction f = link.function(rid >>> 8, rid & 0xff);
                        if (f != null && f.decodeMemory(tx)) {
                            return;
                        }
                    }
                    break;
                }
            }
        }
        unsupportedRequests.increment();
        tx.fail(MemResult.DECODE_ERROR);
    }

    /** The attached functions answer on the root port's secondary bus. */
    @Override
    public int configRequesterId(int attached) {
        return link.configRequesterId(attached);
    }

    @Override
    public boolean ready() {
        return linkUp();
    }

    /**
     * The inbound windows: a transaction one of them decodes goes on at its translated address;
     * one none decodes is an Unsupported Request at the root complex (aborted, counted; an MSI
     * among them is recorded as reaching no doorbell).
     */
    @Override
    public boolean interceptUpstream(MemoryTransaction tx) {
        for (AddressWindow w : inbound) {
            if (w.contains(tx.address)) {
                tx.address = w.translate(tx.address);
                return false;
            }
        }
        inboundMisses.increment();
        if (tx.msi) {
            tx.msi = false;
            ledger.record(DropReason.NO_DOORBELL);
        }
        tx.fail(MemResult.ABORT);
        return true;
    }

    /** Config accesses of a size or at an offset the window does not decode. */
    public long badAccesses() {
        return badAccesses.sum();
    }

    /** Config cycles to the bus refused: CFGCTL off or the link down. */
    public long refusedConfigAccesses() {
        return refused.sum();
    }

    /** Outbound accesses no enabled window or function claimed. */
    public long unsupportedRequests() {
        return unsupportedRequests.sum();
    }

    /** Upstream transactions no inbound window decoded. */
    public long inboundMisses() {
        return inboundMisses.sum();
    }

    List<AddressWindow> inboundWindows() {
        return List.of(inbound);
    }

    List<AddressWindow> outboundWindows() {
        return List.of(outbound);
    }

    @Override
    public Object saveState() {
        long[] regs = new long[csr.registers().size()];
        for (int i = 0; i < regs.length; i++) {
            regs[i] = csr.registers().get(i).value();
        }
        return new Object[] {regs, rootPort.saveState()};
    }

    @Override
    public void restoreState(Object state) {
        if (!(state instanceof Object[] a) || a.length != 2 || !(a[0] instanceof long[] regs)
                || regs.length != csr.registers().size()) {
            return;
        }
        for (int i = 0; i < regs.length; i++) {
            csr.registers().get(i).set(regs[i]);
        }
        rootPort.restoreState(a[1]);
        windowsChanged();
    }

    @Override
    public String summary() {
        String out = List.of(outbound).stream().map(AddressWindow::toString).collect(Collectors.joining(", "));
        String in = List.of(inbound).stream().map(AddressWindow::toString).collect(Collectors.joining(", "));
        return String.format("X-Gene PCIe: clock %s, link %s, config %s; outbound: %s; inbound: %s; "
                + "%d config accesses refused, %d bad, %d unsupported requests, %d upstream with no inbound window",
                clockRunning() ? "running" : "stopped", linkUp() ? "up (x8 Gen3)" : "down",
                configEnabled() ? "enabled" : "disabled", out.isEmpty() ? "none" : out, in.isEmpty() ? "none" : in,
                refusedConfigAccesses(), badAccesses(), unsupportedRequests(), inboundMisses());
    }

    @Override
    public String toString() {
        return "X-Gene PCIe " + path;
    }
}
