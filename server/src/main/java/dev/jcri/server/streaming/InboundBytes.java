package dev.jcri.server.streaming;

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
        return new InputStream() {
            private byte[] current = new byte[0];
            private int position;
            private boolean done;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (position >= current.length) {
                    if (done) {
                        return -1;
                    }
                    try {
                        current = chunks.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while reading a client stream");
                    }
                    position = 0;
                    if (current == END) {
                        done = true;
                        // Put it back, so a second reader also ends instead of blocking forever.
                        chunks.offer(END);
                    }
                }
                int n = Math.min(len, current.length - position);
                System.arraycopy(current, position, b, off, n);
                position += n;
                return n;
            }
        };
    }
}
