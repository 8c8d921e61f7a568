package dev.jcri.image.pull;

import dev.jcri.image.distribution.RegistryException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The pull progress timeout ({@code image.pull_progress_timeout_seconds}): a blob download that receives no bytes
 * for that long is cut, its reading thread interrupted and its stream closed, so a registry that stops sending in
 * the middle of a blob fails the pull instead of holding it until the client gives up. A download that keeps
 * receiving bytes, however slowly, is never cut. One watchdog thread checks the downloads in flight; a zero
 * timeout turns it off.
 */
final class ProgressTimeout {
    private final Duration timeout;
    private final Set<Watched> inFlight = ConcurrentHashMap.newKeySet();

    ProgressTimeout(Duration timeout) {
        this.timeout = timeout;
        if (!timeout.isZero()) {
            long period = Math.clamp(timeout.toMillis() / 4, 10, 1000);
            ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("jcri-pull-watchdog").factory());
            watchdog.scheduleAtFixedRate(this::cutStalled, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A watch for one download, read by the calling thread. Wrap the download's stream with {@link Watch#wrap}; when
     * the download fails, {@link Watch#stalledFailure} says whether the watchdog cut it.
     */
    Watch watch(String what) {
        return new Watch(what, Thread.currentThread());
    }

    private void cutStalled() {
        long now = System.nanoTime();
        for (Watched stream : inFlight) {
            long since = stream.waitingSince;
            if (since != Watched.NOT_WAITING && now - since > timeout.toNanos()) {
                inFlight.remove(stream);
                stream.watch.stalled = true;
                stream.watch.reader.interrupt();
                stream.closeBody();
            }
        }
    }

    final class Watch {
        private final String what;
        private final Thread reader;
        private volatile boolean stalled;

        private Watch(String what, Thread reader) {
            this.what = what;
            this.reader = reader;
        }

        /** The response body, watched until it is closed. */
        InputStream wrap(InputStream body) {
            if (timeout.isZero()) {
                return body;
            }
            Watched watched = new Watched(body, this);
            inFlight.add(watched);
            return watched;
        }

        /**
         * When the watchdog cut this download: the pull's error, with the interrupt it sent cleared (the thread is
         * not being cancelled); else null.
         */
        RegistryException stalledFailure(Exception cause) {
            if (!stalled) {
                return null;
            }
            Thread.interrupted();
            return new RegistryException(
                    RegistryException.Kind.UNAVAILABLE,
                    what + ": no bytes received for " + timeout.toSeconds()
                            + " s, pull cancelled (image.pull_progress_timeout_seconds)",
                    cause);
        }
    }

    /**
     * Counts only the time spent waiting inside {@code read} for bytes that do not come: time the reader spends
     * unpacking between reads is no stall of the registry.
     */
    private final class Watched extends FilterInputStream {
        static final long NOT_WAITING = Long.MIN_VALUE;

        private final Watch watch;
        private volatile long waitingSince = NOT_WAITING;

        Watched(InputStream in, Watch watch) {
            super(in);
            this.watch = watch;
        }

        @Override
        public int read() throws IOException {
            waitingSince = System.nanoTime();
            try {
                return super.read();
            } finally {
                waitingSince = NOT_WAITING;
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            waitingSince = System.nanoTime();
            try {
                return super.read(buffer, offset, length);
            } finally {
                waitingSince = NOT_WAITING;
            }
        }

        @Override
        public void close() throws IOException {
            inFlight.remove(this);
            super.close();
        }

        /** From the watchdog: the body closed under the blocked reader. */
        void closeBody() {
            try {
                in.close();
            } catch (IOException | RuntimeException e) {
                // The interrupt alone ends the read.
            }
        }
    }
}
