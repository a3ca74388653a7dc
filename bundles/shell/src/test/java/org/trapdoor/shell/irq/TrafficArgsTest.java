package org.trapdoor.shell.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.pci.MsiOutcome;

class TrafficArgsTest {
    static MsiSource source(int rid) {
        return new MsiSource() {
            @Override
            public String name() {
                return "dev " + rid;
            }

            @Override
            public int requesterId() {
                return rid;
            }

            @Override
            public int vectors() {
                return 1;
            }

            @Override
            public MsiOutcome raise(int vector) {
                return MsiOutcome.SENT;
            }
        };
    }

    @Test
    void startWithoutArgumentsIsTheDefaultRateOnEveryDevice() {
        TrafficArgs a = TrafficArgs.start(List.of());
        assertEquals(TrafficArgs.DEFAULT_RATE, a.rate());
        assertTrue(a.allDevices());
    }

    @Test
    void aSingleArgumentIsARateOrDevicesByItsShape() {
        assertEquals(5000, TrafficArgs.start(List.of("5000")).rate());
        assertEquals(5000, TrafficArgs.start(List.of("5000/s")).rate());
        assertEquals(0, TrafficArgs.start(List.of("max")).rate());
        assertEquals(0x100, TrafficArgs.start(List.of("0x100")).rate());
        TrafficArgs d = TrafficArgs.start(List.of("00:01.0"));
        assertEquals(TrafficArgs.DEFAULT_RATE, d.rate());
        assertEquals(List.of(new TrafficArgs.Bdf(-1, 0, 1, 0)), d.devices());
        assertTrue(TrafficArgs.start(List.of("all")).allDevices());
    }

    @Test
    void rateAndDevicesTogether() {
        TrafficArgs a = TrafficArgs.start(List.of("200", "0000:00:01.0,00:02.3"));
        assertEquals(200, a.rate());
        assertEquals(List.of(new TrafficArgs.Bdf(0, 0, 1, 0), new TrafficArgs.Bdf(-1, 0, 2, 3)), a.devices());
    }

    @Test
    void badArgumentsSayWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrafficArgs.start(List.of("fast", "all")));
        assertTrue(e.getMessage().contains("RATE 'fast'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrafficArgs.start(List.of("10", "00:01")));
        assertTrue(e.getMessage().contains("'00:01' is not a function"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrafficArgs.bdf("00:20.0"));
        assertTrue(e.getMessage().contains("beyond 1f"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrafficArgs.bdf("00:01.8"));
        assertThrows(IllegalArgumentException.class, () -> TrafficArgs.start(List.of("1", "all", "x")));
        assertThrows(IllegalArgumentException.class, () -> TrafficArgs.count("-3"));
    }

    @Test
    void devicesAreMatchedByRequesterIdInTheOrderGiven() {
        MsiSource a = source(0x08);
        MsiSource b = source(0x10);
        List<MsiSource> all = List.of(a, b);
        assertEquals(List.of(b, a), new TrafficArgs(1, TrafficArgs.devices("00:02.0,00:01.0")).select(all));
        assertEquals(all, new TrafficArgs(1, null).select(all));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrafficArgs(1, TrafficArgs.devices("00:03.0")).select(all));
        assertEquals("no device at 00:03.0 raises MSIs (devices that do: 00:01.0,00:02.0)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TrafficArgs(1, null).select(List.of()));
        assertTrue(e.getMessage().startsWith("no device on this machine can raise MSIs"));
    }

    @Test
    void aDeviceNamedTwiceIsRaisedOnOnce() {
        assertEquals(1, TrafficArgs.devices("00:01.0,00:01.0").size());
        assertNull(TrafficArgs.devices(" ALL "));
    }
}
