package dev.jcri.e2e;

import java.time.Duration;

/**
 * How much longer the harness waits than on the host: 1 there; the test guest runs Java ~10x slower under software
 * emulation and sets {@code -Djcri.e2e.slowdown=10} (scripts/guest/test).
 */
public final class Slowdown {
    private static final int FACTOR = Math.max(1, Integer.getInteger("jcri.e2e.slowdown", 1));

    private Slowdown() {}

    public static Duration of(Duration onHost) {
        return onHost.multipliedBy(FACTOR);
    }

    public static long seconds(long onHost) {
        return onHost * FACTOR;
    }
}
