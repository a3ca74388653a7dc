package org.trapdoor.hw.testdev;

import static org.trapdoor.api.register.Access.RO;
import static org.trapdoor.api.register.Access.RW;
import static org.trapdoor.api.register.Access.RW1C;
import static org.trapdoor.api.register.Access.WO;
import static org.trapdoor.hw.testdev.TestDevice.REG_DMA_CMD;
import static org.trapdoor.hw.testdev.TestDevice.REG_DMA_DONE;
import static org.trapdoor.hw.testdev.TestDevice.REG_DMA_DST;
import static org.trapdoor.hw.testdev.TestDevice.REG_DMA_FAILED;
import static org.trapdoor.hw.testdev.TestDevice.REG_DMA_FAULT_ADDR;
import static org.trapdoor.hw.testdev.TestDevice.REG_DMA_LEN;
import static org.trapdoor.hw.testdev.TestDevice.REG_DMA_SRC;
import static org.trapdoor.hw.testdev.TestDevice.REG_DMA_STATUS;
import static org.trapdoor.hw.testdev.TestDevice.REG_ID;
import static org.trapdoor.hw.testdev.TestDevice.REG_MSG_PENDED;
import static org.trapdoor.hw.testdev.TestDevice.REG_MSG_SENT;
import static org.trapdoor.hw.testdev.TestDevice.REG_RAISE;
import static org.trapdoor.hw.testdev.TestDevice.REG_RAISES;
import static org.trapdoor.hw.testdev.TestDevice.REG_RAISE_OUTCOME;
import static org.trapdoor.hw.testdev.TestDevice.REG_RAISE_REFUSED;
import static org.trapdoor.hw.testdev.TestDevice.REG_SCRATCH;

import org.trapdoor.api.register.Field;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The test device's BAR0 register table (its own design; the offsets are {@link TestDevice}'s
 * public {@code REG_*} constants, which guest drivers use): offset, fields, access. Writable
 * masks follow from the fields; bits in no field are RES0. The 2 KiB buffer at
 * {@link TestDevice#BUFFER_OFFSET} is a range decoded by {@link TestDevice}, which also hooks the
 * registers here with what a read or write does.
 */
final class TestDeviceRegisters {
    final RegisterBlock block = new RegisterBlock("testdev BAR0", TestDevice.BAR0_SIZE);

    final Register id;
    final Register scratch;
    final Register dmaSrc;
    final Register dmaDst;
    final Register dmaLen;

    /** DMA_CMD: START begins a DMA (self-clearing); IRQ raises VECTOR when it ends. */
    final Register dmaCmd;
    final Field cmdStart;
    final Field cmdDir;
    final Field cmdIrq;
    final Field cmdVector;

    /** DMA_STATUS: BUSY while a DMA runs; DONE and ERROR (write 1 to clear) when it ended, CAUSE why. */
    final Register dmaStatus;
    final Field statusBusy;
    final Field statusDone;
    final Field statusError;
    final Field statusCause;

    final Register dmaFaultAddr;

    /** RAISE: a write raises the MSI/MSI-X vector written. */
    final Register raise;
    final Field raiseVector;
    final Register raiseOutcome;

    // Counters, computed on read.
    final Register raises;
    final Register msgSent;
    final Register msgPended;
    final Register raiseRefused;
    final Register dmaDone;
    final Register dmaFailed;

    TestDeviceRegisters() {
        block.allowSizes(1, 2, 4, 8);

        id = block.reg32("ID", REG_ID).reset(((long) TestDevice.DEVICE_ID << 16) | TestDevice.VERSION);
        id.field("VERSION", 0, 16, RO);
        id.field("DEVICE_ID", 16, 16, RO);

        scratch = block.reg32("SCRATCH", REG_SCRATCH);
        scratch.field("VALUE", 0, 32, RW);

        dmaSrc = block.reg64("DMA_SRC", REG_DMA_SRC);
        dmaSrc.field("ADDR", 0, 64, RW);
        dmaDst = block.reg64("DMA_DST", REG_DMA_DST);
        dmaDst.field("ADDR", 0, 64, RW);
        dmaLen = block.reg32("DMA_LEN", REG_DMA_LEN);
        dmaLen.field("LEN", 0, 32, RW);

        dmaCmd = block.reg32("DMA_CMD", REG_DMA_CMD);
        cmdStart = dmaCmd.flag("START", 0, RW);
        cmdDir = dmaCmd.field("DIR", TestDevice.CMD_DIR_SHIFT, 2, RW); // TestDevice.Direction ordinal
        cmdIrq = dmaCmd.flag("IRQ", 3, RW);
        cmdVector = dmaCmd.field("VECTOR", TestDevice.CMD_VECTOR_SHIFT, 8, RW);

        dmaStatus = block.reg32("DMA_STATUS", REG_DMA_STATUS);
        statusBusy = dmaStatus.flag("BUSY", 0, RO);
        statusDone = dmaStatus.flag("DONE", 1, RW1C);
        statusError = dmaStatus.flag("ERROR", 2, RW1C);
        statusCause = dmaStatus.field("CAUSE", TestDevice.STATUS_CAUSE_SHIFT, 4, RO); // DmaResult ordinal

        dmaFaultAddr = block.reg64("DMA_FAULT_ADDR", REG_DMA_FAULT_ADDR);
        dmaFaultAddr.field("ADDR", 0, 64, RO);

        raise = block.reg32("RAISE", REG_RAISE);
        raiseVector = raise.field("VECTOR", 0, 32, WO);
        raiseOutcome = block.reg32("RAISE_OUTCOME", REG_RAISE_OUTCOME);
        raiseOutcome.field("OUTCOME", 0, 32, RO); // MsiOutcome ordinal

        raises = counter("RAISES", REG_RAISES);
        msgSent = counter("MSG_SENT", REG_MSG_SENT);
        msgPended = counter("MSG_PENDED", REG_MSG_PENDED);
        raiseRefused = counter("RAISE_REFUSED", REG_RAISE_REFUSED);
        dmaDone = counter("DMA_DONE", REG_DMA_DONE);
        dmaFailed = counter("DMA_FAILED", REG_DMA_FAILED);
    }

    private Register counter(String name, int offset) {
        Register r = block.reg32(name, offset);
        r.field("COUNT", 0, 32, RO);
        return r;
    }
}
