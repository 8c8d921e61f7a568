package dev.jcri.e2e.streaming;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The client side of Kubernetes' channel protocol over WebSocket (one byte of channel number, then data), on the
 * JDK's own WebSocket client.
 */
public final class ChannelWebSocketClient implements AutoCloseable {
    private final WebSocket socket;
    private final Map<Integer, ByteArrayOutputStream> channels;
    /** Completes with the close code the server sent. */
    public final CompletableFuture<Integer> closed;

    private ChannelWebSocketClient(
            WebSocket socket, Map<Integer, ByteArrayOutputStream> channels, CompletableFuture<Integer> closed) {
        this.socket = socket;
        this.channels = channels;
        this.closed = closed;
    }

    /** Connects to an http:// streaming URL with {@code subprotocol}; a refused upgrade throws with its status. */
    public static ChannelWebSocketClient connect(String url, String subprotocol) throws Exception {
        Map<Integer, ByteArrayOutputStream> channels = new ConcurrentHashMap<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                partial.writeBytes(bytes);
                if (last) {
                    byte[] message = partial.toByteArray();
                    partial.reset();
                    if (message.length > 0) {
                        ByteArrayOutputStream channel =
                                channels.computeIfAbsent(message[0] & 0xff, k -> new ByteArrayOutputStream());
                        synchronized (channel) {
                            channel.write(message, 1, message.length - 1);
                        }
                    }
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closed.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                closed.completeExceptionally(error);
            }
        };
        try {
            WebSocket socket = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .subprotocols(subprotocol)
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(url.replaceFirst("^http", "ws")), listener)
                    .get(10, TimeUnit.SECONDS);
            return new ChannelWebSocketClient(socket, channels, closed);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                throw new SpdyTestClient.Refused(
                        refused.getResponse().statusCode(),
                        String.valueOf(refused.getResponse().body()));
            }
            throw e;
        }
    }

    public String subprotocol() {
        return socket.getSubprotocol();
    }

    public void send(int channel, byte[] data) {
        byte[] message = new byte[data.length + 1];
        message[0] = (byte) channel;
        System.arraycopy(data, 0, message, 1, data.length);
        socket.sendBinary(ByteBuffer.wrap(message), true).join();
    }

    public void send(int channel, String text) {
        send(channel, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Everything received on {@code channel} so far. */
    public byte[] received(int channel) {
        ByteArrayOutputStream buffer = channels.get(channel);
        if (buffer == null) {
            return new byte[0];
        }
        synchronized (buffer) {
            return buffer.toByteArray();
        }
    }

    public String text(int channel) {
        return new String(received(channel), StandardCharsets.UTF_8);
    }

    /** Waits until {@code channel} holds {@code expected}, or the server closed; returns what it holds. */
    public String awaitText(int channel, String expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!text(channel).contains(expected) && !closed.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return text(channel);
    }

    public int awaitClose(Duration timeout) throws Exception {
        return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Drops the TCP connection without a close handshake. */
    public void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null);
        }
        socket.abort();
    }
}
