package dev.jcri.server.streaming.websocket;

import dev.jcri.server.streaming.inbound.ChunkInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A WebSocket connection as a plain byte stream, message boundaries ignored: the {@code SPDY/3.1+portforward.k8s.io}
 * tunnel carries raw SPDY frames in binary messages, so the SPDY server runs on top of it unchanged.
 */
public final class WebSocketBytes {
    private WebSocketBytes() {}

    /** Reads one thread at a time; ends when the client closes. */
    public static InputStream input(WebSocketConnection connection) {
        return new ChunkInputStream() {
            @Override
            protected byte[] nextChunk() throws IOException {
                return connection.readMessage();
            }
        };
    }

    /** Each flush-free write becomes one binary message. */
    public static OutputStream output(WebSocketConnection connection) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                connection.sendBinary(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                connection.sendBinary(Arrays.copyOfRange(b, off, off + len));
            }
        };
    }
}
