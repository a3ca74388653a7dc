package org.trapdoor.guest.pci.vendor;

import java.util.List;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.pci.host.BringUpResult;
import org.trapdoor.api.pci.host.HostBridgeBringUp;
import org.trapdoor.api.pci.host.RegisterAccess;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.printk.BootLog;

/**
 * Linux's {@code pcie-xilinx-nwl.c} probe ({@code nwl_pcie_probe}) up to the point where it hands
 * the bridge to the PCI core: the bridge's bring-up ({@code nwl_pcie_bridge_init},
 * {@code nwl_pcie_enable_msi}) runs as Dom0's driver runs it, through the kernel's MMIO
 * accessors. The steps are the bridge plugin's ({@link HostBridgeBringUp}, registered by the
 * hardware bundle), so Xen, when the platform's policy makes it the owner, runs the very same
 * steps; Linux runs them again when it probes, as it does on a real board, and they are
 * idempotent. The enumeration that follows is {@code pci_host_probe} on the {@code cfg} window
 * ({@code PciHostGeneric}); the MSI domain is {@link PcieXilinxNwlMsi}.
 */
public final class PcieXilinxNwl {
    public static final String COMPATIBLE = "xlnx,nwl-pcie-2.11";
    /** The {@code reg-names} entry of the ECAM window ({@code nwl_pcie_parse_dt}). */
    public static final String CFG = "cfg";

    private PcieXilinxNwl() {
    }

    /**
     * Runs the bridge's bring-up; false when it failed (the probe fails, as {@code nwl_pcie_probe}
     * returning an error: no PCI behind this bridge), with the reason in the boot log.
     */
    public static boolean bridgeInit(DtNode node, Mmio mmio, BootLog log, List<HostBridgeBringUp> bringUps) {
        String dev = "nwl-pcie " + node.unitAddress() + "." + node.baseName();
        HostBridgeBringUp seq = bringUps.stream().filter(b -> b.compatibles().contains(COMPATIBLE)).findFirst()
                .orElse(null);
        if (seq == null) {
            log.warn("%s: no bring-up sequence registered for %s: using the bridge as firmware left it", dev, COMPATIBLE);
            return true;
        }
        RegisterAccess io = new RegisterAccess() {
            @Override
            public long read(long address, int size) {
                return mmio.read(address, size);
            }

            @Override
            public void write(long address, int size, long value) {
                mmio.write(address, size, value);
            }
        };
        BringUpResult r = seq.run(node, "dom0", io);
        if (!r.ok()) {
            log.warn("%s: probe failed in %s: %s", dev, r.failed(), r.error());
            return false;
        }
        log.info("%s: bridge initialised (%s)", dev, String.join(", ", r.done()));
        return true;
    }
}
