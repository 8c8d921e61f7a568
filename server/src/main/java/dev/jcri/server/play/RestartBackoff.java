package dev.jcri.server.play;

import java.time.Duration;
import java.time.Instant;

/**
 * kubelet's crash-loop back-off for one container: the first restart at once, then 10 s, doubling up to 5 min;
 * a container that ran longer than twice the cap since its last restart starts over.
 */
final class RestartBackoff {
    private final Duration initial;
    private final Duration max;
    private Duration current;
    private Instant lastRestart;

    RestartBackoff(Duration initial) {
        this.initial = initial;
        this.max = initial.multipliedBy(30);
    }

    /** How long after {@code exitedAt} the next restart may happen; records that restart. */
    Duration next(Instant exitedAt) {
        Duration wait;
        if (current == null || Duration.between(lastRestart, exitedAt).compareTo(max.multipliedBy(2)) > 0) {
            wait = Duration.ZERO;
            current = initial;
        } else {
            wait = current;
            current = current.multipliedBy(2).compareTo(max) > 0 ? max : current.multipliedBy(2);
        }
        lastRestart = exitedAt.plus(wait);
        return wait;
    }
}
