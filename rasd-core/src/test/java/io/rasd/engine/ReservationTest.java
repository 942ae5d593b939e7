package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Admission places taken ahead of a generation: counted once, given back once, on every path (no models needed). */
class ReservationTest {

    private static Reservation reserve(AdmissionControl admission) {
        return new Reservation(admission, admission.reserve());
    }

    @Test
    void aSlotThenAQueuePlaceThenARefusalAtOnce() {
        AdmissionControl admission = new AdmissionControl(1, 1, null);
        Reservation slot = reserve(admission);
        Reservation queued = reserve(admission);
        assertThat(slot.holdsSlot()).isTrue();
        assertThat(queued.holdsSlot()).isFalse();
        assertThat(admission.running()).isEqualTo(1);
        assertThat(admission.queued()).isEqualTo(1);
        assertThatThrownBy(() -> reserve(admission))
                .isInstanceOf(RasdBusyException.class)
                .hasMessageContaining("at capacity");

        slot.close();
        assertThat(queued.awaitSlot(new Cancellation())).isTrue();
        assertThat(queued.holdsSlot()).isTrue();
        assertThat(admission.running()).isEqualTo(1);
        assertThat(admission.queued()).isZero();
        queued.close();
        queued.close();
        slot.close();
        assertThat(admission.running()).isZero();
    }

    @Test
    void aTransferLeavesTheOldObjectEmptyAndThePlaceIsGivenBackOnce() {
        AdmissionControl admission = new AdmissionControl(1, 0, null);
        Reservation mine = reserve(admission);
        Reservation theirs = mine.transfer();
        assertThat(mine.isHeld()).isFalse();
        assertThat(theirs.isHeld()).isTrue();
        mine.close(); // moved on: nothing to give back
        assertThat(admission.running()).isEqualTo(1);
        assertThatThrownBy(mine::transfer).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> mine.awaitSlot(new Cancellation())).isInstanceOf(IllegalStateException.class);
        theirs.close();
        theirs.close();
        assertThat(admission.running()).isZero();
    }

    @Test
    void aClosedQueuePlaceLeavesTheQueueAndACancelledWaitGivesItBack() throws Exception {
        AdmissionControl admission = new AdmissionControl(1, 2, null);
        Reservation slot = reserve(admission);
        Reservation first = reserve(admission);
        Reservation second = reserve(admission);
        first.close();
        assertThat(admission.queued()).isEqualTo(1);

        Cancellation cancellation = new Cancellation();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Boolean> waiting = pool.submit(() -> second.awaitSlot(cancellation));
            Thread.sleep(50);
            cancellation.cancel();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isFalse();
        } finally {
            pool.shutdownNow();
        }
        assertThat(second.isHeld()).isFalse();
        assertThat(admission.queued()).isZero();
        slot.close();
        assertThat(admission.running()).isZero();
    }

    @Test
    void theQueueTimeoutCountsFromTheReservation() {
        AdmissionControl admission = new AdmissionControl(1, 1, Duration.ofMillis(100));
        Reservation slot = reserve(admission);
        Reservation queued = reserve(admission);
        assertThatThrownBy(() -> queued.awaitSlot(new Cancellation()))
                .isInstanceOf(RasdBusyException.class)
                .hasMessageContaining("queueTimeout");
        assertThat(admission.queued()).isZero();
        queued.close();
        slot.close();
        assertThat(admission.running()).isZero();
    }

    /** Many threads reserving, handing on and closing at once: the counts end at zero, never below. */
    @Test
    void racingReservationsNeverCountTwice() throws Exception {
        AdmissionControl admission = new AdmissionControl(2, 3, null);
        int threads = 16;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int k = 0; k < 200; k++) {
                        Reservation r;
                        try {
                            r = reserve(admission);
                        } catch (RasdBusyException e) {
                            refused.incrementAndGet();
                            continue;
                        }
                        try (Reservation owned = r.transfer()) {
                            if (owned.awaitSlot(new Cancellation())) {
                                admitted.incrementAndGet();
                                maxRunning.accumulateAndGet(admission.running(), Math::max);
                            }
                        } finally {
                            r.close(); // already handed on: must not give the place back a second time
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(admitted.get() + refused.get()).isEqualTo(threads * 200);
        assertThat(maxRunning.get()).isLessThanOrEqualTo(2);
        assertThat(admission.running()).isZero();
        assertThat(admission.queued()).isZero();
    }
}
