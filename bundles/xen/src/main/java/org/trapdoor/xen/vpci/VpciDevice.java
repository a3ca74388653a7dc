package org.trapdoor.xen.vpci;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.pci.ConfigAccessor;
import org.trapdoor.api.pci.ConfigSpace;

/**
 * One physical function as a domain sees it through vPCI: the register handlers Xen's
 * {@code vpci_assign_device} sets up ({@code xen/drivers/vpci/header.c} {@code vpci_init_header},
 * {@code cap.c} {@code vpci_init_capability_list}), over a {@link ConfigSpace} with vPCI's mask
 * semantics.
 *
 * <p>For a DomU (the guest view of {@code header.c}):
 * <ul>
 * <li>Command is a shadow ({@code guest_cmd}); IO, PARITY, WAIT, SERR, FAST_BACK and bits 15:11
 * are RsvdP; IO, MEMORY, MASTER, SPECIAL, INVALIDATE and VGA_PALETTE start cleared and the device
 * starts with decoding off. Turning MEMORY on maps every memory BAR at its guest address into the
 * domain's P2M ({@code modify_bars}); turning it off unmaps them. A guest address whose page
 * offset differs from the host's is refused ({@code -EINVAL}: nothing is mapped and the device's
 * Command register is left as it was).</li>
 * <li>Memory BARs read the guest address with the host's type and prefetch bits; writes are
 * masked to the BAR's size (so sizing with all-ones works) and ignored while the BAR is mapped.
 * I/O BARs, empty BARs and the ROM read zero and ignore writes.</li>
 * <li>Status passes through with Xen's RO, RW1C and RsvdZ masks; the capability list keeps only
 * MSI and MSI-X (their ID bytes read from the device, next pointers emulated) and CAP_LIST is
 * hidden when none is left.</li>
 * <li>Registers without a handler read all-ones and drop writes ({@code vpci_read_hw} for a
 * domain that is not the hardware domain) — or, for a function assigned {@code permissive=1},
 * let writes reach the device.</li>
 * </ul>
 *
 * <p><b>Departures from upstream, on purpose.</b> Upstream has no handler for Vendor and Device
 * ID, Revision/Class or Header Type, so a DomU reads 0xffff as its Vendor ID and never enumerates
 * the device; here those registers read through from the device. Upstream's DomU extended space is
 * one register at 0x100 reading zero (an empty extended capability list) with the rest reading
 * all-ones as any unhandled register; here the whole of 0x100-0xfff reads zero and ignores
 * writes, as the issue asks. Mappings are made before the trapped write returns, where Xen defers
 * them to {@code vpci_process_pending} before the vCPU resumes: the guest cannot tell the two
 * apart. Teardown (detach, destroy) unmaps mapped BARs and turns the device's decoding and bus
 * mastering off, as libxl's function reset on {@code pci-detach} leaves it.
 *
 * <p>For the hardware domain (the {@code hwdom-config = vpci} policy): Command and BARs read
 * from the device; a BAR write is passed on (and remembered) unless the BAR is mapped; MEMORY
 * toggles map and unmap the BARs 1:1 in Dom0's P2M; everything else, all capabilities included,
 * reaches the device.
 */
public final class VpciDevice implements ConfigAccessor {
    static final int PCI_COMMAND = 0x04;
    static final int PCI_STATUS = 0x06;
    static final int CMD_IO = 0x1, CMD_MEMORY = 0x2, CMD_MASTER = 0x4, CMD_SPECIAL = 0x8, CMD_INVALIDATE = 0x10,
            CMD_VGA_PALETTE = 0x20, CMD_PARITY = 0x40, CMD_WAIT = 0x80, CMD_SERR = 0x100, CMD_FAST_BACK = 0x200,
            CMD_INTX_DISABLE = 0x400, CMD_RSVDP_MASK = 0xf800;
    static final int STATUS_CAP_LIST = 0x10;
    static final int STATUS_RSVDZ_MASK = 0x0046;
    static final int STATUS_RO_MASK = 0x01 | 0x08 | STATUS_CAP_LIST | 0x20 | 0x80 | 0x600;
    static final int STATUS_RW1C_MASK = 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000;
    static final int CAP_ID_MSI = 0x05, CAP_ID_MSIX = 0x11;
    /** MSI-X Message Control: MSI-X Enable. */
    static final int MSIX_ENABLE = 0x8000;
    static final int PAGE = 4096;

    enum BarType { EMPTY, IO, MEM32, MEM64_LO, MEM64_HI, ROM }

    /** Xen's {@code struct vpci_bar}. */
    static final class Bar {
        BarType type = BarType.EMPTY;
        long addr;
        long guestAddr;
        long size;
        boolean prefetchable;
        /** Mapped into the P2M now. */
        boolean enabled;

        boolean mappable() {
            return type == BarType.MEM32 || type == BarType.MEM64_LO;
        }
    }

    private final HostFunction hw;
    private final boolean hwdom;
    private final boolean permissive;
    private final GuestPhysmap physmap;
    private final Consumer<String> log;
    private final ConfigSpace cfg;
    private final Bar[] bars = new Bar[7];
    private volatile int guestCmd;
    private volatile boolean barsMapped;
    /** The capability chain as the DomU sees it: the first capability kept, and whether CAP_LIST was masked. */
    private final List<Integer> caps = new ArrayList<>(2);
    private final List<Integer> capIds = new ArrayList<>(2);
    private boolean msiHidden;
    private boolean msixHidden;
    private VpciMsi msi;
    private final LongAdder droppedWrites = new LongAdder();
    private final LongAdder refusedMaps = new LongAdder();

    /**
     * Sets the device up for a domain, as {@code vpci_assign_device} does: decoding off for a DomU,
     * BARs sized, handlers registered.
     *
     * @throws IllegalStateException for a header type vPCI does not handle (Xen's {@code -EOPNOTSUPP})
     */
    public VpciDevice(HostFunction hw, boolean hardwareDomain, boolean permissive, GuestPhysmap physmap,
            Consumer<String> log) {
        this.hw = hw;
        this.hwdom = hardwareDomain;
        this.permissive = permissive;
        this.physmap = physmap;
        this.log = log;
        for (int i = 0; i < bars.length; i++) {
            bars[i] = new Bar();
        }
        this.cfg = new ConfigSpace(hwdom ? hw : new GuestGaps());
        initHeader();
        initCapabilities();
    }

    /** What a DomU's unhandled registers answer: all-ones below 0x100, zero above; writes dropped or, permissive, passed on. */
    private final class GuestGaps implements ConfigAccessor {
        @Override
        public int read(int offset, int size) {
            return offset >= 0x100 ? 0 : ConfigAccessor.ALL_ONES.read(offset, size);
        }

        @Override
        public void write(int offset, int size, int value) {
            if (permissive) {
                hw.write(offset, size, value);
            } else {
                droppedWrites.increment();
            }
        }
    }

    // ================================================================ vpci_init_header

    private void initHeader() {
        int headerType = hw.read(0x0e, 1) & 0x7f;
        int numBars;
        int romReg;
        switch (headerType) {
            case 0:
                numBars = 6;
                romReg = 0x30;
                break;
            case 1:
                numBars = 2;
                romReg = 0x38;
                break;
            default:
                throw new IllegalStateException(String.format("%s: header type %d not handled by vPCI", hw, headerType));
        }
        cfg.add(PCI_COMMAND, 2, hwdom ? off -> hw.read(off, 2) : off -> guestCmd, this::cmdWrite, 0, 0,
                hwdom ? 0 : CMD_RSVDP_MASK | CMD_IO | CMD_PARITY | CMD_WAIT | CMD_SERR | CMD_FAST_BACK, 0);
        if (!hwdom) {
            // Read-through of the identity registers: a departure, see the class comment.
            cfg.add(0x00, 4, off -> hw.read(off, 4), null);
            cfg.add(0x08, 4, off -> hw.read(off, 4), null);
            cfg.add(0x0e, 1, off -> hw.read(off, 1), null);
        }
        int cmd = hw.read(PCI_COMMAND, 2);
        if (!hwdom) {
            cmd &= ~(CMD_VGA_PALETTE | CMD_INVALIDATE | CMD_SPECIAL | CMD_MASTER | CMD_MEMORY | CMD_IO);
        }
        guestCmd = cmd;
        if (!hwdom || (cmd & CMD_MEMORY) != 0) {
            hw.write(PCI_COMMAND, 2, cmd & ~CMD_MEMORY);
        }
        for (int i = 0; i < numBars; i++) {
            int reg = 0x10 + i * 4;
            Bar bar = bars[i];
            if (i > 0 && bars[i - 1].type == BarType.MEM64_LO) {
                bar.type = BarType.MEM64_HI;
                Bar lo = bars[i - 1];
                addBarHandler(reg, lo, true);
                continue;
            }
            int val = hw.read(reg, 4);
            if ((val & 1) != 0) {
                bar.type = BarType.IO;
                if (!hwdom) {
                    cfg.add(reg, 4, off -> 0, null);
                }
                continue;
            }
            boolean is64 = (val & 0x6) == 0x4;
            bar.type = is64 ? BarType.MEM64_LO : BarType.MEM32;
            long[] addrSize = sizeMemBar(reg, is64, i == numBars - 1);
            if (addrSize[1] == 0) {
                bar.type = BarType.EMPTY;
                if (!hwdom) {
                    cfg.add(reg, 4, off -> 0, null);
                }
                continue;
            }
            bar.addr = addrSize[0];
            bar.guestAddr = addrSize[0];
            bar.size = addrSize[1];
            bar.prefetchable = (val & 0x8) != 0;
            addBarHandler(reg, bar, false);
        }
        if (!hwdom) {
            // Guest ROM is not supported: the ROM BAR reads zero.
            bars[numBars].type = BarType.EMPTY;
            cfg.add(romReg, 4, off -> 0, null);
        }
        if (hwdom && (cmd & CMD_MEMORY) != 0) {
            modifyBars(cmd);
        }
    }

    private void addBarHandler(int reg, Bar bar, boolean hi) {
        if (hwdom) {
            cfg.add(reg, 4, off -> hw.read(off, 4), (off, v) -> hwdomBarWrite(off, bar, hi, v));
        } else {
            cfg.add(reg, 4, off -> guestBarRead(bar, hi), (off, v) -> guestBarWrite(bar, hi, v));
        }
    }

    /**
     * {@code pci_size_mem_bar}: saves the BAR (both halves of a 64-bit one), writes all-ones, reads
     * the size mask, restores. A 64-bit BAR in the last slot is treated as empty.
     *
     * @return {address, size}
     */
    private long[] sizeMemBar(int reg, boolean is64, boolean last) {
        if (is64 && last) {
            log.accept(String.format("%s: 64-bit BAR in the last slot, ignored", hw));
            return new long[] {0, 0};
        }
        int lo = hw.read(reg, 4);
        int hi = is64 ? hw.read(reg + 4, 4) : 0;
        hw.write(reg, 4, -1);
        if (is64) {
            hw.write(reg + 4, 4, -1);
        }
        long mask = hw.read(reg, 4) & 0xffff_fff0L;
        if (is64) {
            mask |= (hw.read(reg + 4, 4) & 0xffff_ffffL) << 32;
        } else if (mask != 0) {
            mask |= 0xffff_ffff_0000_0000L;
        }
        hw.write(reg, 4, lo);
        if (is64) {
            hw.write(reg + 4, 4, hi);
        }
        long addr = (lo & 0xffff_fff0L) | ((hi & 0xffff_ffffL) << 32);
        return new long[] {addr, -mask};
    }

    // ================================================================ capabilities

    private void initCapabilities() {
        if ((hw.read(PCI_STATUS, 2) & STATUS_CAP_LIST) == 0) {
            if (!hwdom) {
                addGuestStatus(false);
            }
            return;
        }
        if (hwdom) {
            return; // Dom0 sees every capability as the device has it.
        }
        int[] ttl = {48};
        int next = nextCap(0x34, ttl) & ~3;
        while (next != 0 && ttl[0] > 0) {
            caps.add(next);
            capIds.add(hw.read(next, 1));
            next = nextCap(next + 1, ttl) & ~3;
        }
        cfg.add(0x34, 1, off -> visibleAfter(-1), null);
        for (int i = 0; i < caps.size(); i++) {
            int index = i;
            cfg.add(caps.get(i), 1, off -> hw.read(off, 1), null);
            cfg.add(caps.get(i) + 1, 1, off -> visibleAfter(index), null);
        }
        addGuestStatus(caps.isEmpty());
    }

    /** The next capability the guest may see after kept capability {@code index} (-1: the first), or 0. */
    private synchronized int visibleAfter(int index) {
        for (int i = index + 1; i < caps.size(); i++) {
            if (visible(i)) {
                return caps.get(i);
            }
        }
        return 0;
    }

    private boolean visible(int i) {
        return !msiHidden && !(msixHidden && capIds.get(i) == CAP_ID_MSIX);
    }

    private boolean noneVisible() {
        return visibleAfter(-1) == 0;
    }

    /** {@code pci_find_next_cap_ttl} over MSI and MSI-X: the next supported capability after the pointer at {@code pos}. */
    private int nextCap(int pos, int[] ttl) {
        int p = hw.read(pos, 1);
        while (ttl[0]-- > 0) {
            p &= ~3;
            if (p < 0x40) {
                break;
            }
            int id = hw.read(p, 1);
            if (id == 0xff) {
                break;
            }
            if (id == CAP_ID_MSI || id == CAP_ID_MSIX) {
                return p;
            }
            p = hw.read(p + 1, 1);
        }
        return 0;
    }

    private void addGuestStatus(boolean maskCapList) {
        cfg.add(PCI_STATUS, 2, off -> hw.read(off, 2), (off, v) -> hw.write(off, 2, v),
                STATUS_RO_MASK & ~(maskCapList ? STATUS_CAP_LIST : 0), STATUS_RW1C_MASK,
                maskCapList ? STATUS_CAP_LIST : 0, STATUS_RSVDZ_MASK);
    }

    // ================================================================ MSI, for the domu-msi mechanisms

    /**
     * Hides (or shows again) MSI and MSI-X from a DomU: the capability pointer reads 0 and Status
     * hides CAP_LIST, so the guest finds no capability at all (the {@code none} mechanism: upstream
     * Arm builds no vPCI MSI handlers, and a guest that found the capability would program
     * registers that read all-ones).
     */
    public synchronized void hideMsi(boolean hide) {
        if (hwdom || hide == msiHidden || caps.isEmpty()) {
            return;
        }
        msiHidden = hide;
        cfg.remove(PCI_STATUS, 2);
        addGuestStatus(noneVisible());
    }

    /**
     * Hides (or shows again) the MSI-X capability alone: the chain skips it and, if it was the only
     * one, Status hides CAP_LIST. For the mechanisms that trap MSI only (no {@code msix.c}
     * here yet): a guest that found MSI-X would program a table and control register that vPCI
     * does not trap, so it is offered MSI, which is trapped.
     */
    public synchronized void hideMsix(boolean hide) {
        if (hwdom || hide == msixHidden || caps.isEmpty()) {
            return;
        }
        msixHidden = hide;
        cfg.remove(PCI_STATUS, 2);
        addGuestStatus(noneVisible());
        int pos = findCap(CAP_ID_MSIX);
        if (hide && pos != 0) {
            // What the previous owner enabled goes off (libxl resets a function it assigns): an
            // enabled MSI-X would take precedence over the MSI the guest programs, with a table
            // it cannot see.
            int control = hw.read(pos + 2, 2);
            if ((control & MSIX_ENABLE) != 0) {
                hw.write(pos + 2, 2, control & ~MSIX_ENABLE);
            }
        }
    }

    public synchronized boolean msixHidden() {
        return msixHidden;
    }

    public synchronized boolean msiHidden() {
        return msiHidden;
    }

    /**
     * Traps the DomU's MSI capability ({@code init_msi}): the guest's address, data, mask and enable
     * are kept by vPCI and handed to {@code arch}, which decides what the device is programmed with.
     *
     * @throws IllegalStateException when the device has no MSI capability or it is trapped already
     */
    public synchronized VpciMsi trapMsi(MsiArch arch) {
        if (hwdom) {
            throw new IllegalStateException(hw + ": the hardware domain programs MSI itself");
        }
        if (msi != null) {
            throw new IllegalStateException(hw + ": MSI is trapped already");
        }
        int pos = findCap(CAP_ID_MSI);
        if (pos == 0) {
            throw new IllegalStateException(hw + ": no MSI capability");
        }
        int control = hw.read(pos + 2, 2);
        if ((control & VpciMsi.FLAGS_ENABLE) != 0) {
            hw.write(pos + 2, 2, control & ~VpciMsi.FLAGS_ENABLE); // the guest's view starts disabled: so does the device
        }
        msi = new VpciMsi(hw, cfg, pos, arch);
        return msi;
    }

    /** Stops trapping MSI ({@code cleanup_msi}): the capability's registers are unhandled again. */
    public synchronized void untrapMsi() {
        if (msi != null) {
            msi.remove(cfg);
            msi = null;
        }
    }

    /** The trapped MSI capability, or null. */
    public synchronized VpciMsi msi() {
        return msi;
    }

    /** The device's capability of {@code id} ({@code pci_find_cap_offset}), or 0. */
    private int findCap(int id) {
        if ((hw.read(PCI_STATUS, 2) & STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int p = hw.read(0x34, 1);
        for (int ttl = 48; ttl > 0; ttl--) {
            p &= ~3;
            if (p < 0x40) {
                return 0;
            }
            int cid = hw.read(p, 1);
            if (cid == id) {
                return p;
            }
            if (cid == 0xff) {
                return 0;
            }
            p = hw.read(p + 1, 1);
        }
        return 0;
    }

    // ================================================================ Command

    /** {@code cmd_write}. */
    private void cmdWrite(int offset, int value) {
        int cmd = value & 0xffff;
        if (!hwdom) {
            guestCmd = cmd;
        }
        if (barsMapped != ((cmd & CMD_MEMORY) != 0)) {
            modifyBars(cmd);
        } else {
            hw.write(PCI_COMMAND, 2, cmd);
        }
    }

    /**
     * {@code modify_bars} + {@code map_range} + {@code modify_decoding}: maps (or unmaps) every
     * memory BAR not yet in the asked state, then writes Command to the device. On a refusal
     * nothing changes; on a P2M failure decoding is turned off.
     */
    private void modifyBars(int cmd) {
        boolean map = (cmd & CMD_MEMORY) != 0;
        List<Bar> todo = new ArrayList<>(2);
        for (int i = 0; i < bars.length; i++) {
            Bar bar = bars[i];
            if (!bar.mappable() || bar.enabled == map) {
                continue;
            }
            if (cpuAddress(bar) < 0) {
                log.accept(String.format("%s: not mapping BAR%d [0x%x, 0x%x] invalid position", hw, i, bar.addr,
                        bar.addr + bar.size - 1));
                continue;
            }
            if ((bar.guestAddr & (PAGE - 1)) != (bar.addr & (PAGE - 1))) {
                log.accept(String.format("%s: can't map BAR%d - offset mismatch: 0x%x vs 0x%x", hw, i, bar.guestAddr,
                        bar.addr));
                refusedMaps.increment();
                return;
            }
            todo.add(bar);
        }
        List<Bar> done = new ArrayList<>(todo.size());
        for (Bar bar : todo) {
            long gStart = bar.guestAddr & -PAGE;
            long mStart = cpuAddress(bar) & -PAGE;
            long len = ((bar.guestAddr + bar.size - 1) & -PAGE) + PAGE - gStart;
            if (map) {
                if (!physmap.mapMmio(gStart, mStart, len)) {
                    log.accept(String.format("%s: failed to map [0x%x, 0x%x] -> 0x%x", hw, gStart, gStart + len - 1,
                            mStart));
                    for (Bar b : done) {
                        unmap(b);
                    }
                    refusedMaps.increment();
                    hw.write(PCI_COMMAND, 2, cmd & ~CMD_MEMORY);
                    barsMapped = false;
                    return;
                }
            } else {
                physmap.unmapMmio(gStart, len);
            }
            done.add(bar);
        }
        for (Bar bar : bars) {
            if (bar.mappable() && cpuAddress(bar) >= 0) {
                bar.enabled = map;
            }
        }
        hw.write(PCI_COMMAND, 2, cmd);
        barsMapped = map;
    }

    private void unmap(Bar bar) {
        long gStart = bar.guestAddr & -PAGE;
        physmap.unmapMmio(gStart, ((bar.guestAddr + bar.size - 1) & -PAGE) + PAGE - gStart);
    }

    /**
     * {@code pci_check_bar} on Arm: the host BAR must lie inside one of the bridge's memory
     * windows. Returns its CPU (machine) address through that window, or -1. (Xen maps the bus
     * address as the machine address, which is the same on every bridge whose {@code ranges} are 1:1.)
     */
    private long cpuAddress(Bar bar) {
        for (PciRange r : hw.bridge().dtNode().pciRanges()) {
            if (r.space() == PciRange.Space.CONFIG || r.space() == PciRange.Space.IO) {
                continue;
            }
            if (r.containsPci(bar.addr, bar.size)) {
                return r.toCpu(bar.addr);
            }
        }
        return -1;
    }

    // ================================================================ BARs

    /** {@code guest_mem_bar_read}. */
    private int guestBarRead(Bar bar, boolean hi) {
        if (hi) {
            return (int) (bar.guestAddr >>> 32);
        }
        int v = (int) bar.guestAddr;
        v |= bar.type == BarType.MEM32 ? 0 : 0x4;
        v |= bar.prefetchable ? 0x8 : 0;
        return v;
    }

    /** {@code guest_mem_bar_write}: sizing works, writes while mapped are ignored. */
    private void guestBarWrite(Bar bar, boolean hi, int value) {
        long val = hi ? value & 0xffff_ffffL : value & 0xffff_fff0L;
        long guestAddr = bar.guestAddr;
        guestAddr &= ~(0xffff_ffffL << (hi ? 32 : 0));
        guestAddr |= val << (hi ? 32 : 0);
        guestAddr &= ~(bar.size - 1);
        if (bar.enabled) {
            if (guestAddr != bar.guestAddr) {
                log.accept(String.format("%s: ignored guest BAR write while mapped", hw));
            }
            return;
        }
        bar.guestAddr = guestAddr;
    }

    /** {@code bar_write} for the hardware domain: the device gets the write unless the BAR is mapped. */
    private void hwdomBarWrite(int reg, Bar bar, boolean hi, int value) {
        long val = hi ? value & 0xffff_ffffL : value & 0xffff_fff0L;
        if (bar.enabled) {
            if (val != ((bar.addr >>> (hi ? 32 : 0)) & 0xffff_ffffL)) {
                log.accept(String.format("%s: ignored BAR write while mapped", hw));
            }
            return;
        }
        bar.addr &= ~(0xffff_ffffL << (hi ? 32 : 0));
        bar.addr |= val << (hi ? 32 : 0);
        bar.guestAddr = bar.addr;
        int out = (int) val;
        if (!hi) {
            out |= bar.type == BarType.MEM32 ? 0 : 0x4;
            out |= bar.prefetchable ? 0x8 : 0;
        }
        hw.write(reg, 4, out);
    }

    // ================================================================ access and life cycle

    /** A config read of 1, 2 or 4 aligned bytes through the handlers. */
    @Override
    public int read(int offset, int size) {
        return cfg.read(offset, size);
    }

    @Override
    public void write(int offset, int size, int value) {
        cfg.write(offset, size, value);
    }

    /**
     * The device leaves the domain ({@code vpci_deassign_device}): its BARs are unmapped and its
     * decoding and bus mastering turned off.
     */
    public void teardown() {
        for (Bar bar : bars) {
            if (bar.enabled) {
                unmap(bar);
                bar.enabled = false;
            }
        }
        barsMapped = false;
        if (!hwdom) {
            hw.write(PCI_COMMAND, 2, hw.read(PCI_COMMAND, 2) & ~(CMD_MEMORY | CMD_MASTER));
        }
    }

    public HostFunction host() {
        return hw;
    }

    /** Whether memory decoding is on and the BARs mapped. */
    public boolean barsMapped() {
        return barsMapped;
    }

    /** The guest address of BAR {@code i} (its host address for the hardware domain). */
    public long guestBarAddress(int i) {
        return bars[i].guestAddr;
    }

    public long hostBarAddress(int i) {
        return bars[i].addr;
    }

    public long barSize(int i) {
        return bars[i].size;
    }

    /** Writes to registers without a handler that were dropped. */
    public long droppedWrites() {
        return droppedWrites.sum();
    }

    /** Decode enables refused (page offset mismatch) or failed (P2M). */
    public long refusedMaps() {
        return refusedMaps.sum();
    }

    @Override
    public String toString() {
        return "vPCI " + hw + (hwdom ? " (hwdom)" : "");
    }
}
