package dev.jcri.server.streaming.remotecommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copying threads between a client channel and a process or socket. Descriptors the JDK cannot wrap (terminal
 * masters, conmon's socket) are read with blocking downcalls, which must not run on virtual threads.
 */
final class Pumps {
    private Pumps() {}

    /**
     * Copies until {@code from} ends or either side fails, then runs {@code atEnd}. A null {@code to} discards
     * what is read, so that the source never blocks on a full pipe.
     */
    static Thread start(String name, boolean nativeIo, InputStream from, OutputStream to, Runnable atEnd) {
        Runnable copy = () -> {
            byte[] buffer = new byte[32 * 1024];
            try {
                int n;
                while ((n = from.read(buffer)) >= 0) {
                    if (to != null && n > 0) {
                        to.write(buffer, 0, n);
                        to.flush();
                    }
                }
            } catch (IOException e) {
                // One side went away; the session's end handles the rest.
            } finally {
                atEnd.run();
            }
        };
        return nativeIo
                ? Thread.ofPlatform().daemon().name(name).start(copy)
                : Thread.ofVirtual().name(name).start(copy);
    }

    static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing is all that was wanted.
        }
    }

    /** Waits for a pump, at most {@code millis}; a pump still blocked then is left to end on its own. */
    static void join(Thread pump, long millis) throws InterruptedException {
        if (pump != null) {
            pump.join(millis);
        }
    }
}
