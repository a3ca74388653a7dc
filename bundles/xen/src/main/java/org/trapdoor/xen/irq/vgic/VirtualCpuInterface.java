package org.trapdoor.xen.irq.vgic;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MmioHandler;

/**
 * A domain's virtual GIC as its guest's CPUs see it: the {@link InterruptController} a guest
 * kernel acknowledges and ends interrupts on (ICV_IAR1/ICV_EOIR1, served by the list registers
 * without a trap), CPU {@code n} being vCPU {@code n}. The set-pending side is what Xen does to
 * the domain (injection); a guest never calls it, but a test or a virtual device model may.
 */
public final class VirtualCpuInterface implements InterruptController {
    private final Vgic vgic;

    public VirtualCpuInterface(Vgic vgic) {
        this.vgic = vgic;
    }

    public Vgic vgic() {
        return vgic;
    }

    @Override
    public MmioHandler region(int index) {
        return null; // the distributor and redistributors are trapped on the domain's address space
    }

    @Override
    public int cpuCount() {
        return vgic.vcpuCount();
    }

    @Override
    public boolean supportsLpis() {
        return vgic.hasLpis();
    }

    @Override
    public DropReason raiseSpi(int intid) {
        if (intid < Vgic.PRIVATE || intid >= vgic.lines()) {
            vgic.counters().recordDropped(DropReason.SPI_OUT_OF_RANGE);
            return DropReason.SPI_OUT_OF_RANGE;
        }
        return vgic.inject(0, intid);
    }

    @Override
    public void lowerSpi(int intid) {
        // Virtual SPIs are injected as edges; a level behind one is the physical SPI's (HW bit).
    }

    @Override
    public DropReason setLpiPending(int intid, int redistributor) {
        if (intid < FIRST_LPI) {
            vgic.counters().recordDropped(DropReason.LPI_OUT_OF_RANGE);
            return DropReason.LPI_OUT_OF_RANGE;
        }
        return vgic.inject(redistributor, intid);
    }

    @Override
    public void clearLpiPending(int intid, int redistributor) {
        vgic.clearPending(redistributor, intid);
    }

    @Override
    public void reloadLpiConfig(int intid, int redistributor) {
        vgic.updateLpiProperty(intid);
    }

    @Override
    public void reloadLpiConfig(int redistributor) {
        for (int id = FIRST_LPI; id < vgic.lpiLimit(); id++) {
            vgic.updateLpiProperty(id);
        }
    }

    @Override
    public void moveLpis(int fromRedistributor, int toRedistributor) {
        for (int id = FIRST_LPI; id < vgic.lpiLimit(); id++) {
            vgic.moveLpi(id, fromRedistributor, toRedistributor);
        }
    }

    @Override
    public boolean isPending(int intid, int cpu) {
        return vgic.isPending(intid, cpu);
    }

    @Override
    public int acknowledge(int cpu) {
        if (cpu < 0 || cpu >= vgic.vcpuCount()) {
            return SPURIOUS;
        }
        return vgic.vcpu(cpu).acknowledge();
    }

    @Override
    public void endOfInterrupt(int cpu, int intid) {
        if (cpu >= 0 && cpu < vgic.vcpuCount()) {
            vgic.vcpu(cpu).endOfInterrupt(intid);
        }
    }

    @Override
    public long deliveries(int intid) {
        return vgic.injections(intid);
    }

    @Override
    public InterruptCounters counters() {
        return vgic.counters();
    }

    @Override
    public void connect(InterruptSink sink) {
        vgic.connect(sink);
    }

    /** Interrupts the guest acknowledged on {@code vcpu}. */
    public long acknowledged(int vcpu) {
        return vgic.vcpu(vcpu).acknowledged();
    }

    /** EOIs of INTIDs that were not active in a list register of {@code vcpu}. */
    public long strayEois(int vcpu) {
        return vgic.vcpu(vcpu).strayEois();
    }

    @Override
    public String summary() {
        return vgic.toString();
    }
}
