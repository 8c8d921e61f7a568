package dev.jcri.server.streaming.remotecommand;

import dev.jcri.server.streaming.spdy.SpdyConnection;
import dev.jcri.server.streaming.spdy.SpdyStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;

/**
 * Exec and attach over SPDY: the client opens one stream per channel, each named by its {@code streamType} header
 * (error, stdin, stdout, stderr, resize), before anything runs.
 */
public final class SpdyCommandChannels implements CommandChannels {
    /** The protocols of {@code X-Stream-Protocol-Version}, newest first; v5 exists only over WebSocket. */
    public static final List<String> PROTOCOLS =
            List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io");
    /** How long the client has to open its streams, as kubelet allows. */
    public static final Duration STREAM_CREATION_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration LINGER = Duration.ofSeconds(2);

    private final SpdyConnection connection;
    private final boolean statusJson;
    private SpdyStream error;
    private SpdyStream stdin;
    private SpdyStream stdout;
    private SpdyStream stderr;
    private SpdyStream resize;
    private volatile boolean finished;

    private SpdyCommandChannels(SpdyConnection connection, String protocol) {
        this.connection = connection;
        this.statusJson = protocol.equals("v4.channel.k8s.io");
    }

    /**
     * Waits until the client opened every stream the request implies; null (and the connection closed) when it
     * did not within {@link #STREAM_CREATION_TIMEOUT}.
     */
    public static SpdyCommandChannels await(
            SpdyConnection connection,
            String protocol,
            boolean wantStdin,
            boolean wantStdout,
            boolean wantStderr,
            boolean tty)
            throws InterruptedException {
        SpdyCommandChannels channels = new SpdyCommandChannels(connection, protocol);
        boolean wantResize = tty && (protocol.startsWith("v3.") || protocol.startsWith("v4."));
        long deadline = System.nanoTime() + STREAM_CREATION_TIMEOUT.toNanos();
        while (channels.error == null
                || (wantStdin && channels.stdin == null)
                || (wantStdout && channels.stdout == null)
                || (wantStderr && channels.stderr == null)
                || (wantResize && channels.resize == null)) {
            long left = deadline - System.nanoTime();
            SpdyStream stream = left > 0 ? connection.nextStream(left, TimeUnit.NANOSECONDS) : null;
            if (stream == null) {
                connection.close();
                return null;
            }
            switch (stream.header("streamType")) {
                case "error" -> channels.error = stream;
                case "stdin" -> channels.stdin = stream;
                case "stdout" -> channels.stdout = stream;
                case "stderr" -> channels.stderr = stream;
                case "resize" -> channels.resize = stream;
                default -> {
                    // An unknown stream type is accepted and ignored, as kubelet does.
                }
            }
        }
        return channels;
    }

    @Override
    public InputStream stdin() {
        return stdin == null ? null : stdin.input();
    }

    @Override
    public OutputStream stdout() {
        return stdout == null ? null : stdout.output();
    }

    @Override
    public OutputStream stderr() {
        return stderr == null ? null : stderr.output();
    }

    @Override
    public void start(Consumer<TerminalSize> onResize, Runnable disconnected) {
        if (resize != null) {
            Thread.ofVirtual().name("spdy-resize").start(() -> readResizes(resize.input(), onResize));
        }
        connection.onClose(() -> {
            if (!finished) {
                disconnected.run();
            }
        });
    }

    /** Go's json.Encoder writes one object per message; they arrive as one stream of concatenated objects. */
    static void readResizes(InputStream in, Consumer<TerminalSize> onResize) {
        try (MappingIterator<JsonNode> sizes =
                CommandResult.JSON.readerFor(JsonNode.class).readValues(in)) {
            while (sizes.hasNextValue()) {
                onResize.accept(TerminalSize.fromJson(sizes.nextValue()));
            }
        } catch (RuntimeException e) {
            // A malformed resize message ends resizing, not the command.
        }
    }

    @Override
    public void finish(CommandResult result) throws InterruptedException {
        finished = true;
        try {
            String report = statusJson ? result.statusJson() : result.legacyText();
            if (report != null) {
                error.output().write(report.getBytes(StandardCharsets.UTF_8));
            }
            for (SpdyStream stream : new SpdyStream[] {error, stdout, stderr}) {
                if (stream != null) {
                    stream.closeOutput();
                }
            }
        } catch (IOException e) {
            // The client left before the report; nothing more to tell it.
        }
        connection.finish(LINGER);
    }

    @Override
    public void abort() {
        finished = true;
        connection.close();
    }
}
