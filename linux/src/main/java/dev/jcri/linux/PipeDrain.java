package dev.jcri.linux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a child process's pipe to its end on a virtual thread, keeping at most {@code max} bytes: the child never
 * blocks on a full pipe, and a runaway child cannot fill jcri's heap.
 */
public final class PipeDrain {
    private PipeDrain() {}

    /** Completes with what was kept once the pipe ends (or breaks: a broken pipe ends the output). */
    public static CompletableFuture<byte[]> start(InputStream pipe, int max, String name) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Thread.ofVirtual().name("drain-" + name).start(() -> {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            try (pipe) {
                int n;
                while ((n = pipe.read(buffer)) >= 0) {
                    int room = max - kept.size();
                    if (room > 0) {
                        kept.write(buffer, 0, Math.min(n, room));
                    }
                }
            } catch (IOException e) {
                // The child's side closed abnormally; what arrived is its output.
            }
            result.complete(kept.toByteArray());
        });
        return result;
    }
}
