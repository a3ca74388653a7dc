package org.trapdoor.hw.xlnx.nwl;

import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.ecam.EcamHost;
import org.trapdoor.api.pci.ecam.EcamWindow;
import org.trapdoor.api.pci.ecam.RootPort;
import org.trapdoor.api.pci.ecam.SecondaryBus;
import org.trapdoor.api.phy.LaneProtocol;
import org.trapdoor.api.phy.LaneProvider;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The Xilinx ZynqMP "NWL" PCIe root complex ({@code xlnx,nwl-pcie-2.11}; Linux
 * {@code pcie-xilinx-nwl.c}, Xen {@code pci-host-zynqmp.c}): bridge registers ({@code breg}),
 * controller registers ({@code pcireg}, whose base is also where Linux points MSIs), the ECAM
 * window ({@code cfg}) and the MSI block inside the bridge ({@link NwlMsi}).
 *
 * <p>Nothing works until someone brings it up: config accesses are refused (all-ones, writes
 * dropped, counted) until E_ECAM_CONTROL is enabled, and beyond the root bus until the link is up
 * (PS_LINKUP bit 0); upstream transactions are refused while the link is down. The PHY is ready
 * (PS_LINKUP bit 1) when the PS-GTR has a lane carrying PCIe for this controller with its PLL
 * locked; the link is up when, besides, the bridge is enabled (E_BREG_CONTROL bit 0) and a device
 * is attached.
 *
 * <p>Implementation-defined choices: enabling ECAM or MSI ingress while the bridge is disabled
 * does not take (the enable bit reads back 0) and is counted as out of order; a bridge with no
 * PS-GTR in its tree has its PHY always ready; the reference clock is taken as running. The root
 * port is a Xilinx 10ee:d011 type 1 function; downstream config cycles go to the secondary bus it
 * is programmed with, where the machine's attached functions answer (their requester IDs stay
 * the machine's root-bus ones: this bridge has no msi-map, and its IOMMU takes one StreamID).
 */
public final class NwlPcie implements HostBridge, MsiController {
    static final int BREG_SIZE = 0x1000;
    static final int PCIREG_SIZE = 0x1000;
    // breg
    static final int BRCFG_PCIE_RX0 = 0x000, BRCFG_PCIE_RX1 = 0x004, BRCFG_INTERRUPT = 0x010,
            BRCFG_PCIE_RX_MSG_FILTER = 0x020;
    static final int E_BREG_CAPABILITIES = 0x200, E_BREG_CONTROL = 0x208, E_BREG_BASE_LO = 0x210, E_BREG_BASE_HI = 0x214;
    static final int E_ECAM_CAPABILITIES = 0x220, E_ECAM_CONTROL = 0x228, E_ECAM_BASE_LO = 0x230, E_ECAM_BASE_HI = 0x234;
    static final int I_MSII_CAPABILITIES = 0x300, I_MSII_CONTROL = 0x308, I_MSII_BASE_LO = 0x310, I_MSII_BASE_HI = 0x314;
    static final int I_ISUB_CONTROL = 0x3e8;
    static final int MSGF_MISC_STATUS = 0x400, MSGF_MISC_MASK = 0x404, MSGF_LEG_STATUS = 0x420, MSGF_LEG_MASK = 0x424;
    static final int MSGF_MSI = 0x440;
    static final int BREG_ENABLE = 1, ECAM_ENABLE = 1, MSII_ENABLE = 1, MSII_STATUS_ENABLE = 1 << 15;
    static final int E_ECAM_SIZE_SHIFT = 16, E_ECAM_SIZE_MASK = 0x1f << E_ECAM_SIZE_SHIFT;
    // pcireg
    static final int PS_LINKUP = 0x238, PCIE_PHY_LINKUP = 1, PHY_RDY_LINKUP = 1 << 1;
    static final int XILINX_VENDOR = 0x10ee, ROOT_PORT_DEVICE = 0xd011;

    private final String path;
    private final int bregIndex;
    private final int pciregIndex;
    private final long pciregAddress;
    private final RegisterBlock breg = new RegisterBlock("breg", BREG_SIZE).allowSizes(4);
    private final RegisterBlock pcireg = new RegisterBlock("pcireg", PCIREG_SIZE).allowSizes(4);
    private final Register bregControl;
    private final Register ecamControl;
    private final Register msiiControl;
    private final Register msiiBaseLo;
    private final Register msiiBaseHi;
    private final RootPort rootPort = new RootPort(XILINX_VENDOR, ROOT_PORT_DEVICE);
    private final SecondaryBus link;
    private final EcamHost ecam;
    private final NwlMsi msi;
    private final ModelRef<LaneProvider> phy;
    private final int phyInstance;
    private final InterruptCounters counters = new InterruptCounters();
    private final InterruptCounters ledger;
    private final LongAdder outOfOrder = new LongAdder();
    private final LongAdder refusedUpstream = new LongAdder();
    /** The MSI capture address while MSI ingress is enabled, else -1: one volatile read per upstream write. */
    private volatile long msiCapture = -1;

    /**
     * @param phy         the PS-GTR whose lanes the link needs, or null when the tree has none
     * @param phyInstance the PCIe instance (lane) the link needs
     */
    NwlPcie(String path, EcamWindow cfg, int bregIndex, int pciregIndex, long pciregAddress, PciHierarchy pci,
            int spiMsi0, int spiMsi1, ModelRef<InterruptController> gic, ModelRef<LaneProvider> phy, int phyInstance,
            InterruptCounters ledger) {
        this.path = path;
        this.bregIndex = bregIndex;
        this.pciregIndex = pciregIndex;
        this.pciregAddress = pciregAddress;
        this.phy = phy;
        this.phyInstance = phyInstance;
        this.ledger = ledger;
        this.link = new SecondaryBus(pci, rootPort, cfg.busFirst());
        this.ecam = new EcamHost(cfg, link, rootPort, this::configAllowed);
        this.msi = new NwlMsi(spiMsi0, spiMsi1, gic);
        breg.reg32("BRCFG_PCIE_RX0", BRCFG_PCIE_RX0).writable(0x7);
        breg.reg32("BRCFG_PCIE_RX1", BRCFG_PCIE_RX1).writable(0xff);
        breg.reg32("BRCFG_INTERRUPT", BRCFG_INTERRUPT).writable(0x1);
        breg.reg32("BRCFG_PCIE_RX_MSG_FILTER", BRCFG_PCIE_RX_MSG_FILTER).writable(0xf);
        breg.reg32("E_BREG_CAPABILITIES", E_BREG_CAPABILITIES).reset(1).readOnly();
        bregControl = breg.reg32("E_BREG_CONTROL", E_BREG_CONTROL).writable(0x3);
        breg.reg32("E_BREG_BASE_LO", E_BREG_BASE_LO).writable(0xffff_f000L);
        breg.reg32("E_BREG_BASE_HI", E_BREG_BASE_HI);
        breg.reg32("E_ECAM_CAPABILITIES", E_ECAM_CAPABILITIES).reset(1).readOnly();
        ecamControl = breg.reg32("E_ECAM_CONTROL", E_ECAM_CONTROL).writable(E_ECAM_SIZE_MASK | ECAM_ENABLE)
                .onWrite((old, v) -> enableAfterBridge(v, ECAM_ENABLE, this.ecamControlRegister()));
        breg.reg32("E_ECAM_BASE_LO", E_ECAM_BASE_LO).writable(0xffff_f000L);
        breg.reg32("E_ECAM_BASE_HI", E_ECAM_BASE_HI);
        breg.reg32("I_MSII_CAPABILITIES", I_MSII_CAPABILITIES).reset(1).readOnly();
        msiiControl = breg.reg32("I_MSII_CONTROL", I_MSII_CONTROL).writable(MSII_ENABLE | MSII_STATUS_ENABLE)
                .onWrite((old, v) -> {
                    enableAfterBridge(v, MSII_ENABLE, this.msiiControlRegister());
                    msiCaptureChanged();
                });
        msiiBaseLo = breg.reg32("I_MSII_BASE_LO", I_MSII_BASE_LO).writable(0xffff_fffcL).onWrite((o, v) -> msiCaptureChanged());
        msiiBaseHi = breg.reg32("I_MSII_BASE_HI", I_MSII_BASE_HI).onWrite((o, v) -> msiCaptureChanged());
        breg.reg32("I_ISUB_CONTROL", I_ISUB_CONTROL).writable(0x1);
        breg.reg32("MSGF_MISC_STATUS", MSGF_MISC_STATUS).w1c(0xffff_ffffL);
        breg.reg32("MSGF_MISC_MASK", MSGF_MISC_MASK);
        breg.reg32("MSGF_LEG_STATUS", MSGF_LEG_STATUS).w1c(0xf);
        breg.reg32("MSGF_LEG_MASK", MSGF_LEG_MASK).writable(0xf);
        breg.range("MSGF_MSI", MSGF_MSI, 16, msi);
        pcireg.reg32("PS_LINKUP", PS_LINKUP).readOnly().onRead(this::psLinkup);
    }

    private Register ecamControlRegister() {
        return ecamControl;
    }

    private Register msiiControlRegister() {
        return msiiControl;
    }

    /** An enable bit set while the bridge itself is disabled does not take. */
    private void enableAfterBridge(long written, int bit, Register r) {
        if ((written & bit) != 0 && !bridgeEnabled()) {
            outOfOrder.increment();
            r.set(written & ~bit);
        }
    }

    private void msiCaptureChanged() {
        boolean on = (msiiControl.value() & MSII_ENABLE) != 0;
        msiCapture = on ? (msiiBaseHi.value() << 32 | msiiBaseLo.value()) : -1;
    }

    boolean bridgeEnabled() {
        return (bregControl.value() & BREG_ENABLE) != 0;
    }

    boolean ecamEnabled() {
        return (ecamControl.value() & ECAM_ENABLE) != 0;
    }

    /** PS_LINKUP bit 1: a PS-GTR lane carries PCIe for this controller, PLL locked. */
    boolean phyReady() {
        if (phy == null) {
            return true;
        }
        LaneProvider p = phy.get();
        return p != null && p.linkReady(LaneProtocol.PCIE, phyInstance);
    }

    /** PS_LINKUP bit 0. */
    boolean linkUp() {
        return bridgeEnabled() && phyReady() && link.anyDevice();
    }

    private long psLinkup() {
        return (phyReady() ? PHY_RDY_LINKUP : 0) | (linkUp() ? PCIE_PHY_LINKUP : 0);
    }

    /** {@code nwl_pcie_valid_device}, as the hardware enforces it: ECAM on, and the link up beyond the root bus. */
    private boolean configAllowed(int bus, int devfn) {
        return ecamEnabled() && (bus == ecam.busStart() || linkUp());
    }

    @Override
    public MmioHandler region(int index) {
        if (index == bregIndex) {
            return breg;
        }
        if (index == pciregIndex) {
            return pcireg;
        }
        return ecam.region(index);
    }

    @Override
    public int busStart() {
        return ecam.busStart();
    }

    @Override
    public int busEnd() {
        return ecam.busEnd();
    }

    @Override
    public int configRead(int bus, int devfn, int offset, int size) {
        return ecam.configRead(bus, devfn, offset, size);
    }

    @Override
    public void configWrite(int bus, int devfn, int offset, int size, int value) {
        ecam.configWrite(bus, devfn, offset, size, value);
    }

    @Override
    public void outbound(MemoryTransaction tx) {
        if (!linkUp()) {
            refusedUpstream.increment();
            tx.fail(MemResult.DECODE_ERROR);
            return;
        }
        ecam.outbound(tx);
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

    /** Captures writes to the MSI address (I_MSII_BASE) while MSI ingress is enabled. */
    @Override
    public boolean interceptUpstream(MemoryTransaction tx) {
        long at = msiCapture;
        if (!tx.write || at < 0 || tx.address != at) {
            return false;
        }
        DropReason r = tx.size == 2 || tx.size == 4 ? msi.capture(tx.data & 0xffff_ffffL) : DropReason.BAD_ACCESS_SIZE;
        counters.record(r);
        if (tx.msi) {
            tx.msi = false;
            ledger.record(r);
        }
        tx.result = MemResult.OK;
        return true;
    }

    private volatile long bregAddress = -1;

    /** Where the {@code breg} region is in the CPU's physical address space (for a hypervisor's trap of the MSI block). */
    void bregAddress(long address) {
        bregAddress = address;
    }

    /**
     * As a trap-and-remap backend ({@link NwlRemapBackend}): the 64 vectors of the status bitmap,
     * found on msi0/msi1 by reading the status and clearing only the hypervisor's bits.
     */
    @Override
    public org.trapdoor.api.irq.MsiRemapBackend remapBackend(org.trapdoor.api.memory.AddressSpace bus) {
        return new NwlRemapBackend(msi, this::doorbellAddress, bregAddress < 0 ? -1 : bregAddress + MSGF_MSI);
    }

    @Override
    public long doorbellAddress(int deviceId) {
        long at = msiCapture;
        return at >= 0 ? at : pciregAddress;
    }

    /** Its vectors reach the CPU through one parent interrupt and a chained handler. */
    @Override
    public Delivery delivery() {
        return Delivery.CHAINED;
    }

    @Override
    public boolean needsDeviceId() {
        return false;
    }

    @Override
    public String description() {
        return String.format("NWL MSI: data = vector 0..63 in the status bitmap, SPIs %d (msi0) and %d (msi1), no DeviceID",
                msi.spiLo(), msi.spiHi());
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    /** The status bitmap, vectors 0..63. */
    public long msiStatus() {
        return msi.status();
    }

    /** Config accesses refused before bring-up or with the link down. */
    public long refusedConfigAccesses() {
        return ecam.refusedAccesses();
    }

    /** Enables written while the bridge was disabled (they did not take). */
    public long outOfOrderWrites() {
        return outOfOrder.sum();
    }

    /** CPU accesses to the outbound windows while the link was down. */
    public long refusedOutbound() {
        return refusedUpstream.sum();
    }

    @Override
    public Object saveState() {
        long[] regs = new long[breg.registers().size()];
        for (int i = 0; i < regs.length; i++) {
            regs[i] = breg.registers().get(i).value();
        }
        return new NwlState(regs, msi.status(), msi.mask(), rootPort.saveState()).toPlain();
    }

    @Override
    public void restoreState(Object state) {
        NwlState s = NwlState.fromPlain(state);
        if (s == null || s.breg().length != breg.registers().size()) {
            return;
        }
        for (int i = 0; i < s.breg().length; i++) {
            breg.registers().get(i).set(s.breg()[i]);
        }
        rootPort.restoreState(s.rootPort());
        msiCaptureChanged();
        msi.restore(s.msiStatus(), s.msiMask());
    }

    @Override
    public String summary() {
        return String.format("NWL: bridge %s, ECAM %s, PHY %s, link %s; %s; %d config accesses refused, %d out-of-order enables; MSI %s",
                bridgeEnabled() ? "on" : "off", ecamEnabled() ? "on" : "off", phyReady() ? "ready" : "not ready",
                linkUp() ? "up" : "down", ecam.summary(), refusedConfigAccesses(), outOfOrderWrites(), counters.snapshot());
    }

    @Override
    public String toString() {
        return "NWL PCIe " + path;
    }
}
