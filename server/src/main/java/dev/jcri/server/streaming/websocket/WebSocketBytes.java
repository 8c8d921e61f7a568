package dev.jcri.server.streaming.websocket;

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
        return new InputStream() {
            private byte[] current = new byte[0];
            private int position;
            private boolean ended;

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
                    if (ended) {
                        return -1;
                    }
                    byte[] message = connection.readMessage();
                    if (message == null) {
                        ended = true;
                        return -1;
                    }
                    current = message;
                    position = 0;
                }
                int n = Math.min(len, current.length - position);
                System.arraycopy(current, position, b, off, n);
                position += n;
                return n;
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
