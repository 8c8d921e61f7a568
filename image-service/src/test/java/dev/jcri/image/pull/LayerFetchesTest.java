package dev.jcri.image.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LayerFetchesTest {
    private static final String LAYER_A = "sha256:" + "a".repeat(64);
    private static final String LAYER_B = "sha256:" + "b".repeat(64);

    private final ExecutorService pulls = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stopPulls() {
        pulls.shutdownNow();
    }

    @Test
    void twoClaimsOfTheSameLayerShareOneDownload() throws Exception {
        LayerFetches fetches = new LayerFetches(4);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch finish = new CountDownLatch(1);
        LayerFetches.Download download = () -> {
            runs.incrementAndGet();
            finish.await();
            return 1000;
        };

        LayerFetches.Claim first = fetches.claim(LAYER_A, download);
        LayerFetches.Claim second = fetches.claim(LAYER_A, download);
        Future<Long> secondJoin = pulls.submit(second::join);
        finish.countDown();

        assertEquals(1000, first.join(), "the claim that started the download counts its bytes");
        assertEquals(0, secondJoin.get(), "a shared download's bytes are counted once");
        assertEquals(1, runs.get());
    }

    @Test
    void distinctLayersDownloadSeparately() throws Exception {
        LayerFetches fetches = new LayerFetches(4);
        LayerFetches.Claim a = fetches.claim(LAYER_A, () -> 1);
        LayerFetches.Claim b = fetches.claim(LAYER_B, () -> 2);

        assertEquals(1, a.join());
        assertEquals(2, b.join());
    }

    @Test
    void releasingEveryClaimCancelsTheRunningDownload() throws Exception {
        LayerFetches fetches = new LayerFetches(4);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        LayerFetches.Download download = () -> {
            started.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(5));
                return 1;
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
        };
        LayerFetches.Claim first = fetches.claim(LAYER_A, download);
        LayerFetches.Claim second = fetches.claim(LAYER_A, download);
        assertTrue(started.await(10, TimeUnit.SECONDS));

        first.release();
        assertFalse(interrupted.await(200, TimeUnit.MILLISECONDS), "one claimer left, so it keeps running");
        first.release();
        assertFalse(interrupted.await(200, TimeUnit.MILLISECONDS), "releasing twice counts once");

        second.release();
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the last release interrupts the download");
    }

    @Test
    void aCancelledDownloadIsNotJoinedByALaterClaim() throws Exception {
        LayerFetches fetches = new LayerFetches(4);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        LayerFetches.Claim abandoned = fetches.claim(LAYER_A, () -> {
            started.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(5));
                return 1;
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        abandoned.release();

        LayerFetches.Claim fresh = fetches.claim(LAYER_A, () -> 77);

        assertEquals(77, fresh.join(), "a new download, not the cancelled one's failure");
        assertTrue(interrupted.await(10, TimeUnit.SECONDS));
    }

    @Test
    void aJoinerThatIsInterruptedGivesUpItsClaim() throws Exception {
        LayerFetches fetches = new LayerFetches(4);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        LayerFetches.Claim claim = fetches.claim(LAYER_A, () -> {
            started.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(5));
                return 1;
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        Future<Long> pull = pulls.submit(claim::join);
        waitFor(() -> pull.state() == Future.State.RUNNING);
        Thread.sleep(100);

        pull.cancel(true);

        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "a cancelled pull cancels the download only it wanted");
    }

    @Test
    void aFailureIsDeliveredToEveryClaimer() throws Exception {
        LayerFetches fetches = new LayerFetches(4);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch fail = new CountDownLatch(1);
        IOException boom = new IOException("blob sha256:abc does not match its digest");
        LayerFetches.Download download = () -> {
            runs.incrementAndGet();
            fail.await();
            throw boom;
        };
        List<Future<Long>> joins = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            LayerFetches.Claim claim = fetches.claim(LAYER_A, download);
            joins.add(pulls.submit(claim::join));
        }
        fail.countDown();

        for (Future<Long> join : joins) {
            ExecutionException e = assertThrows(ExecutionException.class, join::get);
            assertSame(boom, e.getCause(), "the download's own IOException, unwrapped");
        }
        assertEquals(1, runs.get());
    }

    @Test
    void anUncheckedFailureBecomesAnIoExceptionNamingTheLayer() {
        LayerFetches fetches = new LayerFetches(4);
        LayerFetches.Claim claim = fetches.claim(LAYER_A, () -> {
            throw new IllegalStateException("disk gone");
        });

        IOException e = assertThrows(IOException.class, claim::join);

        assertTrue(e.getMessage().contains(LAYER_A), e.getMessage());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void aClaimAfterAFinishedFailureStartsANewDownload() throws Exception {
        LayerFetches fetches = new LayerFetches(4);
        AtomicInteger runs = new AtomicInteger();
        LayerFetches.Claim failed = fetches.claim(LAYER_A, () -> {
            runs.incrementAndGet();
            throw new IOException("connection reset");
        });
        assertThrows(IOException.class, failed::join);

        LayerFetches.Claim retry = fetches.claim(LAYER_A, () -> {
            runs.incrementAndGet();
            return 5;
        });

        assertEquals(5, retry.join());
        assertEquals(2, runs.get());
    }

    @Test
    void aClaimRightAfterAFailureNeverInheritsIt() throws Exception {
        // Claim as soon as the failure is visible, racing the download's own clean-up, many times.
        LayerFetches fetches = new LayerFetches(4);
        for (int i = 0; i < 200; i++) {
            String layer = "sha256:" + String.format("%064x", i);
            LayerFetches.Claim failed = fetches.claim(layer, () -> {
                throw new IOException("fail " + layer);
            });
            assertThrows(IOException.class, failed::join);
            assertEquals(9, fetches.claim(layer, () -> 9).join(), "iteration " + i);
        }
    }

    @Test
    void atMostTheParallelLimitRunAtOnce() throws Exception {
        LayerFetches fetches = new LayerFetches(2);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger started = new AtomicInteger();
        Semaphore gate = new Semaphore(0);
        List<LayerFetches.Claim> claims = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            claims.add(
                    fetches.claim("sha256:" + String.valueOf((char) ('0' + i)).repeat(64), () -> {
                        int now = running.incrementAndGet();
                        maxRunning.accumulateAndGet(now, Math::max);
                        started.incrementAndGet();
                        try {
                            gate.acquire();
                            return 10;
                        } finally {
                            running.decrementAndGet();
                        }
                    }));
        }

        waitFor(() -> started.get() == 2);
        Thread.sleep(300);
        assertEquals(2, started.get(), "the other three wait for a slot");
        gate.release(1);
        waitFor(() -> started.get() == 3);
        Thread.sleep(100);
        assertEquals(3, started.get());
        gate.release(4);

        long total = 0;
        for (LayerFetches.Claim claim : claims) {
            total += claim.join();
        }
        assertEquals(50, total);
        assertEquals(5, started.get());
        assertEquals(2, maxRunning.get());
    }

    @Test
    void aQueuedDownloadThatIsReleasedNeverRunsAndFreesNoSlot() throws Exception {
        LayerFetches fetches = new LayerFetches(1);
        CountDownLatch finishA = new CountDownLatch(1);
        CountDownLatch runningA = new CountDownLatch(1);
        AtomicInteger runsB = new AtomicInteger();
        LayerFetches.Claim a = fetches.claim(LAYER_A, () -> {
            runningA.countDown();
            finishA.await();
            return 1;
        });
        // A holds the only slot before B asks for it; on a loaded machine B could otherwise be first.
        assertTrue(runningA.await(10, TimeUnit.SECONDS));
        LayerFetches.Claim b = fetches.claim(LAYER_B, () -> {
            runsB.incrementAndGet();
            return 2;
        });
        Thread.sleep(100);

        b.release();
        finishA.countDown();
        assertEquals(1, a.join());

        assertEquals(0, runsB.get(), "released while waiting for a slot");
        // The limit still holds one slot: two new downloads run one after the other.
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        LayerFetches.Download probe = () -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            Thread.sleep(50);
            running.decrementAndGet();
            return 0;
        };
        LayerFetches.Claim c = fetches.claim("sha256:" + "c".repeat(64), probe);
        LayerFetches.Claim d = fetches.claim("sha256:" + "d".repeat(64), probe);
        c.join();
        d.join();
        assertEquals(1, maxRunning.get());
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(5);
        }
    }
}
