package dev.jcri.server.streaming.inbound;

import java.io.IOException;
import java.io.InputStream;

/** An InputStream over a source that delivers data in chunks (queued frames, WebSocket messages). */
public abstract class ChunkInputStream extends InputStream {
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    /** The next chunk, or null at the end; may block. */
    protected abstract byte[] nextChunk() throws IOException;

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
            byte[] next = ended ? null : nextChunk();
            if (next == null) {
                ended = true;
                return -1;
            }
            current = next;
            position = 0;
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }
}
