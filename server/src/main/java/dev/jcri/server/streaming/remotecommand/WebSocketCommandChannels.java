package dev.jcri.server.streaming.remotecommand;

import dev.jcri.server.streaming.inbound.InboundBytes;
import dev.jcri.server.streaming.websocket.ChannelProtocol;
import dev.jcri.server.streaming.websocket.WebSocketConnection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Exec and attach over WebSocket: channels 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize in one connection;
 * v5 adds the client's close signal for stdin.
 */
public final class WebSocketCommandChannels implements CommandChannels {
    private static final int STDIN = 0;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    private static final int ERROR = 3;
    private static final int RESIZE = 4;
    private static final int CHUNK = 32 * 1024;

    private final WebSocketConnection connection;
    private final ChannelProtocol protocol;
    private final InboundBytes stdin;
    private final boolean stdout;
    private final boolean stderr;
    private final CountDownLatch readerDone = new CountDownLatch(1);
    private volatile boolean finished;

    private WebSocketCommandChannels(
            WebSocketConnection connection, ChannelProtocol protocol, boolean stdin, boolean stdout, boolean stderr) {
        this.connection = connection;
        this.protocol = protocol;
        this.stdin = stdin ? new InboundBytes() : null;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Sends the empty message kubelet sends first, on the lowest channel the server writes, which tells the
     * client the channels are open.
     */
    public static WebSocketCommandChannels open(
            WebSocketConnection connection, ChannelProtocol protocol, boolean stdin, boolean stdout, boolean stderr)
            throws IOException {
        WebSocketCommandChannels channels = new WebSocketCommandChannels(connection, protocol, stdin, stdout, stderr);
        protocol.send(connection, stdout ? STDOUT : stderr ? STDERR : ERROR, new byte[0], 0, 0);
        return channels;
    }

    @Override
    public InputStream stdin() {
        return stdin == null ? null : stdin.inputStream();
    }

    @Override
    public OutputStream stdout() {
        return stdout ? channelOutput(STDOUT) : null;
    }

    @Override
    public OutputStream stderr() {
        return stderr ? channelOutput(STDERR) : null;
    }

    private OutputStream channelOutput(int channel) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    int n = Math.min(len, CHUNK);
                    protocol.send(connection, channel, b, off, n);
                    off += n;
                    len -= n;
                }
            }
        };
    }

    @Override
    public void start(Consumer<TerminalSize> onResize, Runnable disconnected) {
        Thread.ofVirtual().name("ws-reader").start(() -> {
            try {
                byte[] message;
                while ((message = connection.readMessage()) != null) {
                    ChannelProtocol.Message received = protocol.decode(message);
                    if (received != null) {
                        dispatch(received, onResize);
                    }
                }
            } catch (IOException e) {
                // The client went away without a close frame.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (stdin != null) {
                    stdin.abort();
                }
                readerDone.countDown();
                if (!finished) {
                    disconnected.run();
                }
            }
        });
    }

    private void dispatch(ChannelProtocol.Message message, Consumer<TerminalSize> onResize)
            throws InterruptedException {
        switch (message.channel()) {
            case STDIN -> {
                if (stdin != null) {
                    stdin.put(message.data());
                }
            }
            case RESIZE -> SpdyCommandChannels.readResizes(new ByteArrayInputStream(message.data()), onResize);
            case ChannelProtocol.CLOSE_SIGNAL -> {
                if (protocol.closeSignal()
                        && message.data().length == 1
                        && message.data()[0] == STDIN
                        && stdin != null) {
                    stdin.end();
                }
            }
            default -> {
                // Data on a channel the server only writes is ignored, as kubelet does.
            }
        }
    }

    @Override
    public void finish(CommandResult result) throws InterruptedException {
        finished = true;
        String report = protocol.statusJson() ? result.statusJson() : result.legacyText();
        try {
            if (report != null) {
                byte[] bytes = report.getBytes(StandardCharsets.UTF_8);
                protocol.send(connection, ERROR, bytes, 0, bytes.length);
            }
        } catch (IOException e) {
            // The client left before the report.
        }
        connection.close(WebSocketConnection.CLOSE_NORMAL, "");
        // The client answers the close frame with its own; wait briefly for it, then end TCP.
        readerDone.await(2, TimeUnit.SECONDS);
        connection.close();
    }

    @Override
    public void abort() {
        finished = true;
        connection.close();
    }
}
