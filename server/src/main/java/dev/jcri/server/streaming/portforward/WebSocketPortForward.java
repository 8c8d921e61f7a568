package dev.jcri.server.streaming.portforward;

import dev.jcri.server.streaming.inbound.InboundBytes;
import dev.jcri.server.streaming.request.StreamRequest;
import dev.jcri.server.streaming.websocket.ChannelProtocol;
import dev.jcri.server.streaming.websocket.WebSocketConnection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Port forwarding over WebSocket, as kubelet's streaming server does it: one TCP connection per requested port,
 * port {@code i} on channels {@code 2i} (data, both ways) and {@code 2i+1} (errors), each channel announced by a
 * first message holding the port as two little-endian bytes. The session ends when every port's connection has.
 */
public final class WebSocketPortForward {
    private WebSocketPortForward() {}

    public static void serve(
            WebSocketConnection connection,
            ChannelProtocol protocol,
            StreamRequest.PortForward request,
            List<Integer> ports,
            PortDialer dialer)
            throws IOException, InterruptedException {
        List<InboundBytes> inputs = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            byte[] port = {(byte) (int) ports.get(i), (byte) (ports.get(i) >>> 8)};
            protocol.send(connection, 2 * i, port, 0, 2);
            protocol.send(connection, 2 * i + 1, port, 0, 2);
            inputs.add(new InboundBytes());
        }
        CountDownLatch readerDone = new CountDownLatch(1);
        Thread.ofVirtual().name("ws-portforward-reader").start(() -> {
            try {
                byte[] message;
                while ((message = connection.readMessage()) != null) {
                    ChannelProtocol.Message received = protocol.decode(message);
                    // Odd channels carry errors, which only the server writes.
                    if (received != null && received.channel() % 2 == 0 && received.channel() / 2 < inputs.size()) {
                        inputs.get(received.channel() / 2).put(received.data());
                    }
                }
            } catch (IOException e) {
                // The client went away without a close frame.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inputs.forEach(InboundBytes::abort);
                readerDone.countDown();
            }
        });
        List<Thread> forwards = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            int index = i;
            forwards.add(Thread.ofVirtual()
                    .name("ws-portforward-" + ports.get(i))
                    .start(() -> forward(
                            connection, protocol, request, dialer, index, ports.get(index), inputs.get(index))));
        }
        for (Thread forward : forwards) {
            forward.join();
        }
        connection.close(WebSocketConnection.CLOSE_NORMAL, "");
        readerDone.await(2, TimeUnit.SECONDS);
        connection.close();
    }

    private static void forward(
            WebSocketConnection connection,
            ChannelProtocol protocol,
            StreamRequest.PortForward request,
            PortDialer dialer,
            int index,
            int port,
            InboundBytes input) {
        SocketChannel socket;
        try {
            socket = dialer.dial(port);
        } catch (IOException | InterruptedException | RuntimeException e) {
            byte[] message = PortDialer.failure(port, request.sandboxId(), e).getBytes(StandardCharsets.UTF_8);
            try {
                protocol.send(connection, 2 * index + 1, message, 0, message.length);
            } catch (IOException gone) {
                // The client is gone.
            }
            return;
        }
        try (socket) {
            Thread upstream = Thread.ofVirtual().start(() -> {
                try (InputStream in = input.inputStream()) {
                    in.transferTo(Channels.newOutputStream(socket));
                    socket.shutdownOutput();
                } catch (IOException e) {
                    // Either side went away.
                }
            });
            byte[] buffer = new byte[32 * 1024];
            InputStream fromPod = Channels.newInputStream(socket);
            int n;
            while ((n = fromPod.read(buffer)) >= 0) {
                protocol.send(connection, 2 * index, buffer, 0, n);
            }
            // The pod closed its side; the client's side may still be sending, but a WebSocket channel has no
            // half-close to tell it, so the connection ends here, as in kubelet.
            input.abort();
            upstream.join();
        } catch (IOException e) {
            input.abort();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
