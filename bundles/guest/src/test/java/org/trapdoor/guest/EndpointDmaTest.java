package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.hw.testdev.TestDevice;

/** The kernel's test-endpoint DMA through the DMA API: programmed through BAR0, data checked in RAM. */
class EndpointDmaTest {
    static final String DEV = "0000:00:01.0";
    static final long BUF = 0x4010_0040L;

    private MachineRig rig;
    private LinuxKernel kernel;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private void boot(String platform) {
        rig = new MachineRig(platform, "testdev,addr=01.0,msi=4,msix=8");
        kernel = rig.boot();
    }

    private long bar0() {
        return rig.device(DEV).bar(0).cpuAddress();
    }

    @Test
    void directDeviceWriteLandsInRamAtThePhysicalAddress() {
        boot("virt-noiommu");
        rig.machine.system().write(bar0() + TestDevice.BUFFER_OFFSET, 8, 0x1122_3344_5566_7788L);
        GuestDmaTest r = kernel.dmaTest(DEV, BUF, 8, true);
        assertTrue(r.ok(), r.message());
        assertFalse(r.translated());
        assertEquals(BUF, r.busAddress());
        assertEquals(0x1122_3344_5566_7788L, rig.machine.memory().load64(BUF));
    }

    @Test
    void directDeviceReadFillsTheEndpointBuffer() {
        boot("virt-noiommu");
        rig.machine.memory().store64(BUF, 0xCAFE_F00D_0BAD_BEEFL);
        GuestDmaTest r = kernel.dmaTest(DEV, BUF, 8, false);
        assertTrue(r.ok(), r.message());
        assertEquals(0xCAFE_F00D_0BAD_BEEFL, rig.machine.system().read(bar0() + TestDevice.BUFFER_OFFSET, 8));
    }

    @Test
    void aRawDmaToNothingReportsTheFaultingAddress() {
        boot("virt-noiommu");
        GuestDmaTest r = kernel.dmaRaw(DEV, 0x7_0000_0000L, 16, true);
        assertFalse(r.ok(), r.message());
        assertEquals(0x7_0000_0000L, r.faultAddress());
    }

    @Test
    void badRequestsAreRefusedBeforeTheDeviceIsTouched() {
        boot("virt-noiommu");
        assertThrows(IllegalArgumentException.class, () -> kernel.dmaTest("0000:00:00.0", BUF, 8, true),
                "the host bridge function is no test endpoint");
        assertThrows(IllegalArgumentException.class, () -> kernel.dmaTest(DEV, BUF, 0x801, true));
        assertThrows(IllegalArgumentException.class, () -> kernel.dmaTest("0000:07:00.0", BUF, 8, true));
        assertEquals(0, rig.machine.system().read(bar0() + TestDevice.REG_DMA_DONE, 4)
                + rig.machine.system().read(bar0() + TestDevice.REG_DMA_FAILED, 4));
    }

    @Test
    void behindAnSmmuTheDeviceIsGivenAnIovaAndTheMappingIsGoneAfterwards() {
        boot("virt");
        GuestDmaTest r = kernel.dmaTest(DEV, BUF, 8, true);
        assertTrue(r.translated());
        assertEquals(0xFFFF_E040L, r.busAddress(),
                "a top-down IOVA below the MSI doorbell's (the domain's first), not the physical address");
        assertTrue(kernel.iommuDomains().stream().filter(d -> d.bdf().equals(DEV))
                .allMatch(d -> d.mappings().stream().allMatch(m -> m.purpose().equals("msi"))),
                "the buffer is unmapped once the DMA is done");
    }
}
