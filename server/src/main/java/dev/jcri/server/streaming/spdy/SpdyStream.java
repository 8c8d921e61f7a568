package dev.jcri.server.streaming.spdy;

import dev.jcri.server.streaming.inbound.InboundBytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One stream the client opened: its headers, the data it sends (an input stream that ends at the client's FIN,
 * its reset, or the connection's end) and the data jcri sends back (closing the output sends FIN).
 */
public final class SpdyStream {
    private final SpdyConnection connection;
    private final int id;
    private final Map<String, List<String>> headers;
    private final InboundBytes incoming = new InboundBytes();
    private volatile boolean localClosed;
    private volatile boolean aborted;

    SpdyStream(SpdyConnection connection, int id, Map<String, List<String>> headers) {
        this.connection = connection;
        this.id = id;
        this.headers = headers;
    }

    public int id() {
        return id;
    }

    /** The first value of a header, matched case-insensitively; empty when absent. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? "" : values.getFirst();
    }

    void deliver(byte[] data) throws InterruptedException {
        incoming.put(data);
    }

    /** The client finished sending: readers see the end after what came before it. */
    void remoteClose() throws InterruptedException {
        incoming.end();
    }

    /** The stream was reset or the connection ended. */
    void abort() {
        aborted = true;
        localClosed = true;
        incoming.abort();
    }

    /** Whether the stream was reset (by either side) or its connection ended, as opposed to a clean FIN. */
    public boolean isReset() {
        return aborted;
    }

    /** What the client sends on this stream; ends at its FIN, its reset, or the connection's end. */
    public InputStream input() {
        return incoming.inputStream();
    }

    public OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (localClosed) {
                    throw new IOException("SPDY stream " + id + " is closed");
                }
                connection.writeData(id, b, off, len, false);
            }

            @Override
            public void close() throws IOException {
                closeOutput();
            }
        };
    }

    /** Sends FIN once; later calls do nothing. */
    public void closeOutput() throws IOException {
        if (!localClosed) {
            localClosed = true;
            connection.writeData(id, new byte[0], 0, 0, true);
        }
    }
}
