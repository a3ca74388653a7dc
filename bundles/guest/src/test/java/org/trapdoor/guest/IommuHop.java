package org.trapdoor.guest;

import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiAccounting;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.PciUpstream;
import org.trapdoor.core.pci.UpstreamPort;
import org.trapdoor.hw.testdev.TestDevice;

/**
 * The hop the machine's upstream port does not make yet, wired by hand for tests: the device's
 * transactions take the port's StreamID through {@link Iommu#translate} before the port sends
 * them on (translated) into the system address space. An MSI the IOMMU aborts is counted as an
 * IOMMU-fault drop, as the machine's ledger would.
 */
final class IommuHop implements PciUpstream, MsiAccounting {
    private final UpstreamPort port;
    private final Iommu iommu;

    private IommuHop(UpstreamPort port, Iommu iommu) {
        this.port = port;
        this.iommu = iommu;
    }

    /** Re-plugs the testdev at {@code devfn} on bus 0 of {@code host} behind {@code iommu}. */
    static void insert(MachineRig rig, String host, int devfn, Iommu iommu) {
        UpstreamPort port = rig.machine.domain(host).port(0, devfn, rig.machine.system());
        TestDevice dev = rig.machine.msiSources().stream().filter(s -> s instanceof TestDevice)
                .map(s -> (TestDevice) s).filter(d -> d.requesterId() == devfn).findFirst()
                .orElseThrow(() -> new AssertionError("no testdev at devfn " + devfn));
        dev.connect(new IommuHop(port, iommu));
    }

    @Override
    public int requesterId() {
        return port.requesterId();
    }

    @Override
    public void send(MemoryTransaction tx) {
        tx.requesterId = port.requesterId();
        tx.streamId = port.streamId();
        iommu.translate(tx);
        if (!tx.ok()) {
            if (tx.msi) {
                tx.msi = false;
                port.msiLedger().recordDropped(DropReason.IOMMU_FAULT);
            }
            return;
        }
        port.send(tx);
    }

    @Override
    public InterruptCounters msiLedger() {
        return port.msiLedger();
    }
}
