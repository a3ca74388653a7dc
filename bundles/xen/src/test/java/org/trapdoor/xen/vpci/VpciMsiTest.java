package org.trapdoor.xen.vpci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.xen.pci.HostRig;

/** A DomU's trapped MSI capability ({@code msi.c}) and the hidden capability chain of the {@code none} mechanism. */
class VpciMsiTest {
    private static final int CTRL = TestDevice.MSI_CAP + 2;
    private final HostRig rig = new HostRig().placeBars();
    private final List<String> calls = new ArrayList<>();
    private final GuestVpci vpci = new GuestVpci();
    private final MemoryTransaction tx = new MemoryTransaction();
    private final VpciDevice dev = new VpciDevice(new HostFunction(rig.bridge, 0, 0x08), false, false,
            new GuestPhysmap() {
                public boolean mapMmio(long ipa, long machine, long size) {
                    return true;
                }

                public void unmapMmio(long ipa, long size) {
                }
            }, l -> { });
    private final MsiArch arch = new MsiArch() {
        public boolean enable(VpciMsi m, int vectors) {
            calls.add(String.format("enable %d 0x%x/0x%x", vectors, m.guestAddress(), m.guestData()));
            return true;
        }

        public void disable(VpciMsi m) {
            calls.add("disable");
        }

        public void update(VpciMsi m) {
            calls.add(String.format("update 0x%x/0x%x", m.guestAddress(), m.guestData()));
        }

        public void mask(VpciMsi m, int vector, boolean masked) {
            calls.add("mask " + vector + "=" + masked);
        }
    };

    VpciMsiTest() {
        vpci.assign(dev, -1);
    }

    @AfterEach
    void close() {
        rig.close();
    }

    private long read(int reg, int size) {
        tx.read(GuestVpci.ECAM_BASE + reg, size);
        tx.offset = reg;
        vpci.access(tx);
        return tx.data;
    }

    private void write(int reg, int size, long v) {
        tx.write(GuestVpci.ECAM_BASE + reg, size, v);
        tx.offset = reg;
        vpci.access(tx);
    }

    @Test
    void theGuestsValuesGoToTheArchHookNotToTheDevice() {
        int hwControl = rig.bridge.read(0, 0x08, CTRL, 2);
        dev.trapMsi(arch);
        write(TestDevice.MSI_CAP + 4, 4, 0x0800_0040L);
        write(TestDevice.MSI_CAP + 8, 4, 0);
        write(TestDevice.MSI_CAP + 12, 2, 0x20);
        write(CTRL, 2, 0x1 | 3 << 4); // enable, 8 vectors asked
        assertEquals(List.of("enable 4 0x8000040/0x20"), calls, "MME clamped to the 4 the device can do");
        assertEquals(0x1 | 2 << 4 | 2 << 1 | 0x80 | 0x100, read(CTRL, 2), "QSIZE 4, QMASK 4, 64-bit, masking");
        assertEquals(hwControl, rig.bridge.read(0, 0x08, CTRL, 2), "vPCI wrote nothing to the device");
        write(TestDevice.MSI_CAP + 12, 2, 0x40);
        write(TestDevice.MSI_CAP + 16, 4, 0b0101);
        write(TestDevice.MSI_CAP + 16, 4, 0b1_0101); // vector 4 is not enabled: no call
        write(CTRL, 2, 0);
        assertEquals(List.of("enable 4 0x8000040/0x20", "update 0x8000040/0x40", "mask 0=true", "mask 2=true", "disable"),
                calls);
        assertEquals(0x0800_0040L, read(TestDevice.MSI_CAP + 4, 4));
        assertEquals(0b1_0101, read(TestDevice.MSI_CAP + 16, 4));
        assertEquals(0, read(TestDevice.MSI_CAP + 20, 4), "disabled: no pending bit shown (never all-ones)");
    }

    @Test
    void untrappingLeavesTheRegistersUnhandledAgain() {
        dev.trapMsi(arch);
        assertThrows(IllegalStateException.class, () -> dev.trapMsi(arch));
        dev.untrapMsi();
        assertEquals(0xffffL, read(CTRL, 2));
        dev.trapMsi(arch);
        assertEquals(2 << 1 | 0x80 | 0x100, read(CTRL, 2));
    }

    @Test
    void hidingMsiLeavesTheGuestNoCapabilityAtAll() {
        assertEquals(0x10, read(6, 2) & 0x10);
        dev.hideMsi(true);
        assertEquals(0, read(0x34, 1));
        assertEquals(0, read(6, 2) & 0x10, "CAP_LIST hidden");
        dev.hideMsi(false);
        assertEquals(TestDevice.MSI_CAP, read(0x34, 1));
        assertEquals(0x10, read(6, 2) & 0x10);
    }
}
