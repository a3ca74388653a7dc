package org.trapdoor.xen.vpci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ConfigAccessor;
import org.trapdoor.api.pci.ConfigSpace;
import org.trapdoor.api.pci.RegisterOverlapException;

/**
 * Every case of Xen's {@code tools/tests/vpci/main.c}, in order and with its values, run against
 * the trapped DomU path: the harness's device sits in a DomU's virtual host bridge at 00:00.0 and
 * every read and write the harness makes is a guest load or store in the trapped ECAM window
 * ({@link GuestVpci#access}), as a DomU kernel's would be. Gaps read all-ones and drop writes (what
 * the harness's stubbed hardware does, and what Xen gives a DomU). Each case runs on top of the
 * state the previous cases left, as in the harness, so each test first replays the cases before it.
 */
class VpciHarnessTest {
    private final GuestVpci bridge = new GuestVpci();
    private final MemoryTransaction tx = new MemoryTransaction();

    /** A guest load of {@code size} bytes at register {@code offset} of 00:00.0. */
    private int trapRead(int offset, int size) {
        tx.read(GuestVpci.ECAM_BASE + offset, size);
        tx.offset = offset;
        bridge.access(tx);
        assertEquals(MemResult.OK, tx.result);
        return (int) tx.data;
    }

    private void trapWrite(int offset, int size, int value) {
        tx.write(GuestVpci.ECAM_BASE + offset, size, value & MemoryTransaction.allOnes(size));
        tx.offset = offset;
        bridge.access(tx);
        assertEquals(MemResult.OK, tx.result);
    }
    private ConfigSpace cs;
    /** Backing storage, indexed by register offset, as the harness keeps r0, r5, r6 ... */
    private int[] store;
    /** The mask_data of case 11: value and RW1C mask. */
    private int r32Val;
    private final int r32Rw1c = 0x0000ff00;

    @BeforeEach
    void setUp() {
        cs = new ConfigSpace(ConfigAccessor.ALL_ONES);
        store = new int[64];
        assertEquals(0, bridge.assign(cs, -1), "the harness device is the DomU's first: 00:00.0");
    }

    private ConfigSpace.ReadHandler reader(int size) {
        int mask = size == 4 ? -1 : (1 << (8 * size)) - 1;
        return off -> store[off] & mask;
    }

    private ConfigSpace.WriteHandler writer(int size) {
        int mask = size == 4 ? -1 : (1 << (8 * size)) - 1;
        return (off, v) -> store[off] = v & mask;
    }

    private void addReg(int offset, int size, int initial) {
        store[offset] = initial;
        cs.add(offset, size, reader(size), writer(size));
    }

    private void readCheck(int offset, int size, int expected) {
        assertEquals(expected, trapRead(offset, size),
                String.format("read 0x%x/%d", offset, size));
    }

    private void writeCheck(int offset, int size, int value) {
        trapWrite(offset, size, value);
        readCheck(offset, size, value);
    }

    private void multiread4(int reg, int val) {
        for (int i = 0; i < 4; i++) {
            readCheck(reg + i, 1, (val >>> (i * 8)) & 0xff);
        }
        for (int i = 0; i < 2; i++) {
            readCheck(reg + i * 2, 2, (val >>> (i * 16)) & 0xffff);
        }
        readCheck(reg, 4, val);
    }

    private void multiwrite4(int reg) {
        int val = 0xa2f51732;
        for (int i = 0; i < 4; i++) {
            writeCheck(reg + i, 1, (val >>> (i * 8)) & 0xff);
        }
        multiread4(reg, val);
        val = 0x2b836fda;
        for (int i = 0; i < 2; i++) {
            writeCheck(reg + i * 2, 2, (val >>> (i * 16)) & 0xffff);
        }
        multiread4(reg, val);
        val = 0xc4693beb;
        writeCheck(reg, 4, val);
        multiread4(reg, val);
    }

    // ------------------------------------------------------------ the cases, cumulative

    private void case1() {
        addReg(0, 4, 0xdeadbeef);
        readCheck(0, 4, 0xdeadbeef);
        writeCheck(0, 4, 0xbcbcbcbc);
    }

    private void case2() {
        case1();
        addReg(5, 1, 0xef);
        readCheck(5, 1, 0xef);
        writeCheck(5, 1, 0xba);
        addReg(6, 1, 0xbe);
        readCheck(6, 1, 0xbe);
        writeCheck(6, 1, 0xba);
        addReg(7, 1, 0xef);
        readCheck(7, 1, 0xef);
        writeCheck(7, 1, 0xbd);
    }

    private void case3() {
        case2();
        addReg(12, 2, 0x8696);
        readCheck(12, 2, 0x8696);
        readCheck(12, 4, 0xffff8696);
    }

    private void case4() {
        case3();
        ConfigSpace.ReadHandler r32 = reader(4);
        ConfigSpace.WriteHandler w32 = writer(4);
        assertThrows(RegisterOverlapException.class, () -> cs.add(4, 4, r32, w32));
        assertThrows(IllegalArgumentException.class, () -> cs.add(15, 2, reader(2), writer(2)));
        assertThrows(IllegalArgumentException.class, () -> cs.add(8, 3, reader(2), writer(2)));
        assertThrows(IllegalArgumentException.class, () -> cs.add(8, 2, null, null));
        int[][] sharing = {{1, 1, 0, 0}, {1, 0, 1, 0}, {1, 0, 0, 1}, {0, 1, 1, 0}, {0, 1, 0, 1}, {0, 0, 1, 1}};
        for (int[] m : sharing) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cs.add(8, 4, r32, w32, m[0], m[1], m[2], m[3]));
            assertEquals(false, e instanceof RegisterOverlapException, "masks sharing bits are not an overlap");
        }
        for (int size : new int[] {1, 2}) {
            int beyond = 1 << (8 * size);
            for (int which = 0; which < 4; which++) {
                int[] m = new int[4];
                m[which] = beyond;
                assertThrows(IllegalArgumentException.class,
                        () -> cs.add(8, size, reader(size), writer(size), m[0], m[1], m[2], m[3]));
            }
        }
        // Nothing of the refused registrations was installed.
        readCheck(8, 4, 0xffffffff);
    }

    private void case5() {
        case4();
        readCheck(8, 4, 0xffffffff);
        readCheck(8, 2, 0xffff);
        readCheck(8, 1, 0xff);
        trapWrite(10, 2, 0xbeef);
        readCheck(10, 2, 0xffff);
    }

    private void case6() {
        case5();
        writeCheck(7, 1, 0xbd);
        readCheck(4, 4, 0xbdbabaff);
    }

    private void case7() {
        case6();
        writeCheck(0, 4, 0x1a1b1c1d);
        readCheck(2, 1, 0x1b);
        readCheck(6, 2, 0xbdba);
    }

    private void case8() {
        case7();
        writeCheck(4, 4, 0xaabbccff);
        writeCheck(2, 1, 0xfe);
        writeCheck(6, 2, 0xfebc);
    }

    private void case9() {
        case8();
        addReg(16, 1, 0);
        addReg(17, 1, 0);
        addReg(18, 1, 0);
        addReg(19, 1, 0);
        addReg(20, 2, 0);
        addReg(22, 2, 0);
        addReg(24, 4, 0);
        multiread4(16, 0);
        multiread4(20, 0);
        multiread4(24, 0);
        multiwrite4(16);
        multiwrite4(20);
        multiwrite4(24);
    }

    private void case10() {
        case9();
        addReg(28, 1, 0);
        addReg(30, 1, 0);
        writeCheck(28, 4, 0xffacffdc);
    }

    private void case11() {
        case10();
        cs.add(32, 4, off -> r32Val, (off, v) -> {
            r32Val = v | (r32Val & r32Rw1c);
            r32Val &= ~(v & r32Rw1c);
        }, 0x000000ff, r32Rw1c, 0x00ff0000, 0xff000000);

        r32Val = 0x0f0f0f0f;
        readCheck(32, 1, 0x0f);
        trapWrite(32, 1, 0x5a);
        readCheck(32, 1, 0x0f);
        assertEquals(0x000f0f0f, r32Val, "RO byte");

        r32Val = 0x0f0f0f0f;
        readCheck(33, 1, 0x0f);
        trapWrite(33, 1, 0x5a);
        readCheck(33, 1, 0x05);
        assertEquals(0x000f050f, r32Val, "RW1C byte");

        r32Val = 0x0f0f0f0f;
        readCheck(34, 1, 0);
        trapWrite(34, 1, 0x5a);
        readCheck(34, 1, 0);
        assertEquals(0x000f0f0f, r32Val, "RsvdP byte");

        r32Val = 0x0f0f0f0f;
        readCheck(35, 1, 0);
        trapWrite(35, 1, 0x5a);
        readCheck(35, 1, 0);
        assertEquals(0x000f0f0f, r32Val, "RsvdZ byte");

        r32Val = 0x0f0f0f0f;
        readCheck(32, 4, 0x00000f0f);
        trapWrite(32, 4, 0);
        readCheck(32, 4, 0x00000f0f);
        assertEquals(0x000f0f0f, r32Val, "write all zeros");

        r32Val = 0x0f0f0f0f;
        readCheck(32, 4, 0x00000f0f);
        trapWrite(32, 4, 0xffffffff);
        readCheck(32, 4, 0x0000000f);
        assertEquals(0x000f000f, r32Val, "write all ones");
    }

    private void case12() {
        case11();
        assertEquals(1, cs.remove(28, 1));
        assertEquals(1, cs.remove(24, 4));
        assertEquals(1, cs.remove(12, 2));
        assertThrows(RegisterOverlapException.class, () -> cs.remove(20, 1));
        assertEquals(2, cs.remove(16, 2), "removes the 1-byte handlers at 16 and 17");
        assertEquals(1, cs.remove(30, 2), "removes the 1-byte handler at 30");
        // Removed registers are gaps again; the one the failed removal touched is intact.
        readCheck(24, 4, 0xffffffff);
        readCheck(16, 2, 0xffff);
        readCheck(28, 4, 0xffffffff);
        readCheck(12, 2, 0xffff);
        readCheck(20, 2, 0x3beb);
        readCheck(18, 2, 0xc469);
    }

    @Test
    void case01_32bitHandlerAtZeroReadsAndWritesBack() {
        case1();
    }

    @Test
    void case02_threeByteHandlersRoundTrip() {
        case2();
    }

    @Test
    void case03_16bitHandlerWithUnhandledUpperHalfReadsAllOnes() {
        case3();
    }

    @Test
    void case04_invalidRegistrationsAreRefused() {
        case4();
    }

    @Test
    void case05_unhandledRegionReadsAllOnesAndDropsWrites() {
        case5();
    }

    @Test
    void case06_readAcrossSeveralRegistersAndAGap() {
        case6();
    }

    @Test
    void case07_partialReads() {
        case7();
    }

    @Test
    void case08_writeAcrossRegistersAndPartialWrites() {
        case8();
    }

    @Test
    void case09_everySizeCombination() {
        case9();
    }

    @Test
    void case10_gapsInsideOneAccess() {
        case10();
    }

    @Test
    void case11_roRw1cRsvdpRsvdzMasks() {
        case11();
    }

    @Test
    void case12_removalOfRanges() {
        case12();
    }
}
