package dev.jcri.server.streaming.portforward;

import dev.jcri.server.streaming.request.StreamRequest;
import dev.jcri.server.streaming.spdy.SpdyConnection;
import dev.jcri.server.streaming.spdy.SpdyStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port forwarding over SPDY ({@code portforward.k8s.io}): for every connection it forwards, the client opens an
 * error stream and a data stream that share a {@code requestID} and name the {@code port}. Each pair becomes one
 * TCP connection inside the pod; a failure is reported on that pair's error stream only. The session lasts until
 * the client closes it.
 */
public final class SpdyPortForward {
    public static final String PROTOCOL = "portforward.k8s.io";
    private static final Logger log = LoggerFactory.getLogger(SpdyPortForward.class);
    private static final long PAIR_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final class Pair {
        final long since = System.nanoTime();
        SpdyStream error;
        SpdyStream data;
    }

    private SpdyPortForward() {}

    /** Streams without a valid type and port are refused before they are answered, as kubelet does. */
    public static boolean acceptable(SpdyStream stream) {
        String type = stream.header("streamType");
        return (type.equals("error") || type.equals("data")) && port(stream) > 0;
    }

    public static void serve(SpdyConnection connection, StreamRequest.PortForward request, PortDialer dialer)
            throws InterruptedException {
        Map<String, Pair> pending = new HashMap<>();
        while (!connection.isClosed()) {
            SpdyStream stream = connection.nextStream(1, TimeUnit.SECONDS);
            expire(connection, pending);
            if (stream == null) {
                continue;
            }
            String requestId = requestId(stream);
            Pair pair = pending.computeIfAbsent(requestId, k -> new Pair());
            boolean error = stream.header("streamType").equals("error");
            if ((error ? pair.error : pair.data) != null) {
                report(
                        connection,
                        pair.error,
                        "error processing stream for request " + requestId + ": " + (error ? "error" : "data")
                                + " stream already assigned");
                connection.reset(stream);
                continue;
            }
            if (error) {
                pair.error = stream;
            } else {
                pair.data = stream;
            }
            if (pair.error != null && pair.data != null) {
                pending.remove(requestId);
                Thread.ofVirtual()
                        .name("portforward-" + port(stream))
                        .start(() -> forward(connection, request, dialer, pair.error, pair.data));
            }
        }
    }

    private static void expire(SpdyConnection connection, Map<String, Pair> pending) {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<String, Pair>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Pair> entry = it.next();
            if (now - entry.getValue().since > PAIR_TIMEOUT_NANOS) {
                it.remove();
                Pair pair = entry.getValue();
                report(connection, pair.error, "timed out waiting for the streams of request " + entry.getKey());
                if (pair.data != null) {
                    connection.reset(pair.data);
                }
            }
        }
    }

    private static void forward(
            SpdyConnection connection,
            StreamRequest.PortForward request,
            PortDialer dialer,
            SpdyStream error,
            SpdyStream data) {
        int port = port(data);
        SocketChannel socket;
        try {
            if (!request.ports().isEmpty() && !request.ports().contains(port)) {
                throw new IOException("port " + port + " was not part of the PortForward request");
            }
            socket = dialer.dial(port);
        } catch (IOException | InterruptedException | RuntimeException e) {
            report(connection, error, PortDialer.failure(port, request.sandboxId(), e));
            connection.reset(data);
            return;
        }
        log.debug("forwarding port={} sandbox={}", port, request.sandboxId());
        try (socket) {
            Thread upstream = Thread.ofVirtual().start(() -> {
                copy(data.input(), Channels.newOutputStream(socket));
                try {
                    if (data.isReset()) {
                        socket.close();
                    } else {
                        socket.shutdownOutput();
                    }
                } catch (IOException e) {
                    // The pod closed the connection already.
                }
            });
            copy(Channels.newInputStream(socket), data.output());
            data.closeOutput();
            upstream.join();
            error.closeOutput();
        } catch (IOException | InterruptedException e) {
            connection.reset(data);
        }
    }

    private static void copy(InputStream from, OutputStream to) {
        byte[] buffer = new byte[32 * 1024];
        try {
            int n;
            while ((n = from.read(buffer)) >= 0) {
                to.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // Either side went away; the caller ends the other.
        }
    }

    private static void report(SpdyConnection connection, SpdyStream error, String message) {
        if (error == null) {
            return;
        }
        try {
            error.output().write(message.getBytes(StandardCharsets.UTF_8));
            error.closeOutput();
        } catch (IOException e) {
            // The client is gone.
        }
        connection.reset(error);
    }

    /** Pairs without a requestID header (very old clients) are matched by stream ID, as kubelet does. */
    private static String requestId(SpdyStream stream) {
        String id = stream.header("requestID");
        if (!id.isEmpty()) {
            return id;
        }
        int streamId = stream.header("streamType").equals("error") ? stream.id() : stream.id() - 2;
        return Integer.toString(streamId);
    }

    static int port(SpdyStream stream) {
        try {
            int port = Integer.parseInt(stream.header("port"));
            return port >= 1 && port <= 65535 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
