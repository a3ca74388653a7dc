package org.trapdoor.shell.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;

class GuestBootTest {
    /** A kernel that boots after {@code bootsAfter} ms of (fake) time, or never when negative. */
    private static GuestKernel kernel(String name, long bootsAfter, AtomicLong now, List<Long> asked) {
        return new GuestKernel() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<GuestPciHost> pciHosts() {
                return List.of();
            }

            @Override
            public List<GuestPciDevice> pciDevices() {
                return List.of();
            }

            @Override
            public List<String> bootLog() {
                return List.of();
            }

            @Override
            public boolean awaitBooted(long timeoutMillis) {
                asked.add(timeoutMillis);
                if (bootsAfter >= 0 && bootsAfter <= now.get() + timeoutMillis) {
                    now.set(Math.max(now.get(), bootsAfter));
                    return true;
                }
                now.addAndGet(timeoutMillis);
                return false;
            }
        };
    }

    @Test
    void everyKernelThatBootsInTimeIsWaitedFor() throws InterruptedException {
        AtomicLong now = new AtomicLong();
        List<Long> asked = new ArrayList<>();
        List<GuestKernel> late = GuestBoot.await(List.of(kernel("a", 3000, now, asked), kernel("b", 4000, now, asked)),
                10_000, now::get);
        assertTrue(late.isEmpty());
        assertEquals(List.of(10_000L, 7000L), asked, "one deadline shared by all kernels");
    }

    @Test
    void aKernelThatDoesNotBootIsNamedAndTheOthersGetWhatIsLeft() throws InterruptedException {
        AtomicLong now = new AtomicLong();
        List<Long> asked = new ArrayList<>();
        GuestKernel stuck = kernel("stuck", -1, now, asked);
        List<GuestKernel> late = GuestBoot.await(List.of(stuck, kernel("ok", 0, now, asked)), 10_000, now::get);
        assertEquals(List.of(stuck), late);
        assertEquals(List.of(10_000L, 0L), asked, "no second full timeout after the deadline passed");
    }
}
