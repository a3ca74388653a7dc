package org.trapdoor.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class MemRequestTest {
    @Test
    void readTakesHexOrDecimalAddressAndDefaultsToFourBytes() {
        MemRequest r = MemRequest.parse("read", List.of("0x0800_0000"));
        assertFalse(r.write());
        assertEquals(0x0800_0000L, r.address());
        assertEquals(4, r.size());
        assertEquals(4096L, MemRequest.parse("read", List.of("4096", "8")).address());
        assertEquals(8, MemRequest.parse("read", List.of("4096", "8")).size());
    }

    @Test
    void writeTakesValueAndOptionalSize() {
        MemRequest r = MemRequest.parse("write", List.of("0x10000000", "0xff", "1"));
        assertTrue(r.write());
        assertEquals(0xff, r.value());
        assertEquals(1, r.size());
        assertEquals(4, MemRequest.parse("write", List.of("0x10", "7")).size());
    }

    @Test
    void fullWidthSixtyFourBitValuesParse() {
        assertEquals(-1L, MemRequest.parse("write", List.of("0", "0xffffffffffffffff", "8")).value());
    }

    @Test
    void valueWiderThanTheAccessIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemRequest.parse("write", List.of("0x10", "0x100", "1")));
        assertTrue(e.getMessage().contains("does not fit in 1 byte"), e.getMessage());
    }

    @Test
    void oddSizesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemRequest.parse("read", List.of("0x10", "3")));
        assertEquals("size 3 is not 1, 2, 4 or 8 bytes", e.getMessage());
    }

    @Test
    void garbageNumbersNameTheArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemRequest.parse("read", List.of("0xZZ")));
        assertTrue(e.getMessage().startsWith("address '0xZZ' is not a number"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MemRequest.parse("read", List.of("-5")));
        assertThrows(IllegalArgumentException.class, () -> MemRequest.parse("read", List.of("0x")));
        assertThrows(IllegalArgumentException.class, () -> MemRequest.parse("read", List.of("0x1ffffffffffffffff")));
    }

    @Test
    void wrongOperationOrArgumentCountGivesUsage() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MemRequest.parse("peek", List.of("0")))
                .getMessage().contains("usage: mem read ADDR [SIZE] | mem write ADDR VALUE [SIZE]"));
        assertEquals("usage: mem write ADDR VALUE [SIZE]",
                assertThrows(IllegalArgumentException.class, () -> MemRequest.parse("write", List.of("0"))).getMessage());
        assertEquals("usage: mem read ADDR [SIZE]",
                assertThrows(IllegalArgumentException.class,
                        () -> MemRequest.parse("read", List.of("0", "4", "4"))).getMessage());
    }

    @Test
    void transactionCarriesTheRequest() {
        var tx = MemRequest.parse("write", List.of("0x20", "0x1234", "2")).transaction();
        assertTrue(tx.write);
        assertEquals(0x20, tx.address);
        assertEquals(2, tx.size);
        assertEquals(0x1234, tx.data);
    }
}
