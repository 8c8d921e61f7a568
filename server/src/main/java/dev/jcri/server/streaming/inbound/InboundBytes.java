package dev.jcri.server.streaming.inbound;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Data a protocol reader received for one stream or channel, handed to whoever consumes it as an InputStream.
 *
 * <p>Bounded: a consumer that does not keep up blocks the connection's reader, and so, through TCP, the client;
 * neither Kubernetes protocol has flow control of its own. {@link #abort()} frees a blocked reader.
 */
public final class InboundBytes {
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(64);
    private volatile boolean ended;

    /** Queues a chunk; dropped once the stream ended. */
    public void put(byte[] data) throws InterruptedException {
        if (!ended && data.length > 0) {
            chunks.put(data);
        }
    }

    /** The sender finished: readers see the end after everything queued before it. */
    public void end() throws InterruptedException {
        if (!ended) {
            ended = true;
            chunks.put(END);
        }
    }

    /** The stream broke or its connection ended: what was not read yet is dropped, readers see the end. */
    public void abort() {
        ended = true;
        chunks.clear();
        chunks.offer(END);
    }

    public boolean ended() {
        return ended;
    }

    /** One reader at a time. */
    public InputStream inputStream() {
        return new ChunkInputStream() {
            @Override
            protected byte[] nextChunk() throws IOException {
                byte[] chunk;
                try {
                    chunk = chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading a client stream");
                }
                if (chunk == END) {
                    // Put it back, so a second reader also ends instead of blocking forever.
                    chunks.offer(END);
                    return null;
                }
                return chunk;
            }
        };
    }
}
