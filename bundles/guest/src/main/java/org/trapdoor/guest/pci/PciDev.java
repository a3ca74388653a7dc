package org.trapdoor.guest.pci;

import static org.trapdoor.api.pci.PciConfig.HEADER_TYPE_BRIDGE;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestCapability;

/**
 * One function as the PCI core holds it while it enumerates and assigns ({@code struct pci_dev}
 * with its {@code struct resource}s): what {@link PciProbe} read and sized, what {@link SetupBus}
 * placed.
 */
final class PciDev {
    /** A config-space resource the kernel places: a BAR or a bridge window. */
    abstract static class Resource {
        GuestBar.Type type;
        boolean prefetchable;
        long size;
        long align;
        long bus = -1;
        long cpu = -1;

        boolean assigned() {
            return bus >= 0;
        }

        /** " 64bit", " pref", as Linux prints a resource's flags. */
        String flags() {
            return (type == GuestBar.Type.MEM64 ? " 64bit" : "") + (prefetchable ? " pref" : "");
        }
    }

    /** One sized BAR. */
    static final class Bar extends Resource {
        int index;
    }

    /** Which of a type 1 header's three windows. */
    enum WindowKind {
        IO, MEM, PREF
    }

    /** One forwarding window of a PCI-to-PCI bridge, sized from what sits below it. */
    static final class BridgeWindow extends Resource {
        final WindowKind kind;

        BridgeWindow(WindowKind kind) {
            this.kind = kind;
        }
    }

    int bus;
    int devfn;
    int vendor;
    int device;
    int classCode;
    int revision;
    int headerType;
    int command;
    final List<Bar> bars = new ArrayList<>();
    final List<GuestCapability> caps = new ArrayList<>();
    // Type 1 only: the buses behind it and its windows (null where the bridge has none).
    int secondary = -1;
    final List<PciDev> children = new ArrayList<>();
    final BridgeWindow[] windows = new BridgeWindow[WindowKind.values().length];
    boolean pref64;

    boolean isBridge() {
        return headerType == HEADER_TYPE_BRIDGE;
    }

    /** Resources that need a place: the BARs and, for a bridge, its non-empty windows. */
    List<Resource> resources() {
        List<Resource> out = new ArrayList<>(bars);
        for (BridgeWindow w : windows) {
            if (w != null && w.size > 0) {
                out.add(w);
            }
        }
        return out;
    }
}
