package dev.jcri.sandbox;

import java.time.Instant;

/** CRI timestamps: nanoseconds since the epoch. */
public final class EpochNanos {
    private EpochNanos() {}

    public static long now() {
        return of(Instant.now());
    }

    public static long of(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
