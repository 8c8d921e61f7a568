package dev.jcri.server.daemon;

import dev.jcri.sandbox.sweep.OrphanSweep;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the orphan sweep every {@code orphan_sweep_interval_seconds} on a thread of its own, while jcri serves. */
final class PeriodicOrphanSweep implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeriodicOrphanSweep.class);

    private final ScheduledExecutorService timer;

    private PeriodicOrphanSweep(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Nothing is scheduled for a zero interval. */
    static PeriodicOrphanSweep start(OrphanSweep sweep, Duration interval, Consumer<Map<String, Integer>> removed) {
        if (interval.isZero()) {
            return new PeriodicOrphanSweep(null);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("orphan-sweep").daemon().factory());
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        OrphanSweep.Result result = sweep.sweep();
                        removed.accept(result.byKind());
                        if (result.total() > 0) {
                            log.info("orphan sweep removed={} by_kind={}", result.total(), result.byKind());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        // A failed pass must not end the schedule.
                        log.error("orphan sweep failed error=\"{}\"", e.toString());
                    }
                },
                interval.toMillis(),
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return new PeriodicOrphanSweep(timer);
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
