package dev.jcri.server.play;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kubelet's crash-loop back-off: at once, 10 s, doubling to 5 min; a long run starts over. */
class RestartBackoffTest {
    @Test
    void doublesFromTheInitialDelayUpToThirtyTimesIt() {
        RestartBackoff backoff = new RestartBackoff(Duration.ofSeconds(10));
        Instant t = Instant.parse("2026-12-07T10:00:00Z");
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Duration wait = backoff.next(t);
            waits.add(wait.toSeconds());
            t = t.plus(wait).plusSeconds(1);
        }
        assertEquals(List.of(0L, 10L, 20L, 40L, 80L, 160L, 300L, 300L), waits);
    }

    @Test
    void aContainerThatRanLongerThanTwiceTheCapStartsOver() {
        RestartBackoff backoff = new RestartBackoff(Duration.ofSeconds(10));
        Instant t = Instant.parse("2026-12-07T10:00:00Z");
        backoff.next(t);
        assertEquals(Duration.ofSeconds(10), backoff.next(t.plusSeconds(1)));
        assertEquals(Duration.ZERO, backoff.next(t.plus(Duration.ofMinutes(11))));
        assertEquals(
                Duration.ofSeconds(10),
                backoff.next(t.plus(Duration.ofMinutes(11)).plusSeconds(1)));
    }
}
