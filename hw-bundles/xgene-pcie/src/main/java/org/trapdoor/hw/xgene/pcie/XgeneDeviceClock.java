package org.trapdoor.hw.xgene.pcie;

import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * An X-Gene device clock ({@code apm,xgene-device-clock}; Linux {@code clk-xgene.c}): a
 * peripheral's clock-enable and reset-control registers in its {@code csr-reg} page. The clock
 * runs when every bit of {@code enable-mask} is set in the enable register and no bit of
 * {@code csr-mask} is set in the reset register ({@code xgene_clk_enable}: set the enable bits,
 * then take the block out of reset).
 *
 * <p>At reset the clock is gated and the block held in reset, as after power-on: whoever uses the
 * peripheral enables it ({@code clk_prepare_enable} in {@code xgene_pcie_init_port}). The parent
 * PLLs ({@code clocks}) are taken as running. The PCIe controller's clock page lies inside the
 * controller's {@code csr} region (csr + 0xc000); the address space's overlap rule gives the
 * page to this, the smaller region.
 */
public final class XgeneDeviceClock implements DeviceModel {
    static final int PAGE = 0x1000;

    private final String path;
    private final int csrIndex;
    private final RegisterBlock regs = new RegisterBlock("csr-reg", PAGE).allowSizes(4);
    private final Register reset;
    private final Register enable;
    private final long csrMask;
    private final long enableMask;

    /**
     * @param csrIndex     the {@code reg} entry named {@code csr-reg}
     * @param csrOffset    {@code csr-offset} (default 0): the reset-control register
     * @param csrMask      {@code csr-mask} (default 0xf): its bits for this clock
     * @param enableOffset {@code enable-offset} (default 8): the clock-enable register
     * @param enableMask   {@code enable-mask} (default 0xf)
     */
    XgeneDeviceClock(String path, int csrIndex, int csrOffset, long csrMask, int enableOffset, long enableMask) {
        this.path = path;
        this.csrIndex = csrIndex;
        this.csrMask = csrMask;
        this.enableMask = enableMask;
        reset = regs.reg32("SRST", csrOffset).reset(csrMask);
        enable = regs.reg32("CLKEN", enableOffset);
    }

    /** The clock runs and the block is out of reset. */
    public boolean running() {
        return (enable.value() & enableMask) == enableMask && (reset.value() & csrMask) == 0;
    }

    @Override
    public MmioHandler region(int index) {
        return index == csrIndex ? regs : null;
    }

    @Override
    public Object saveState() {
        return new long[] {reset.value(), enable.value()};
    }

    @Override
    public void restoreState(Object state) {
        if (state instanceof long[] s && s.length == 2) {
            reset.set(s[0]);
            enable.set(s[1]);
        }
    }

    @Override
    public String summary() {
        return String.format("X-Gene clock: %s (CLKEN 0x%x, SRST 0x%x)", running() ? "running" : "stopped",
                enable.value(), reset.value());
    }

    @Override
    public String toString() {
        return "X-Gene device clock " + path;
    }
}
