package dev.jcri.server.streaming;

import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.server.streaming.portforward.PortDialer;
import dev.jcri.server.streaming.portforward.SpdyPortForward;
import dev.jcri.server.streaming.portforward.WebSocketPortForward;
import dev.jcri.server.streaming.remotecommand.AttachSession;
import dev.jcri.server.streaming.remotecommand.CommandChannels;
import dev.jcri.server.streaming.remotecommand.ExecSession;
import dev.jcri.server.streaming.remotecommand.SpdyCommandChannels;
import dev.jcri.server.streaming.remotecommand.WebSocketCommandChannels;
import dev.jcri.server.streaming.request.StreamRequest;
import dev.jcri.server.streaming.request.StreamTokens;
import dev.jcri.server.streaming.spdy.SpdyConnection;
import dev.jcri.server.streaming.websocket.ChannelProtocol;
import dev.jcri.server.streaming.websocket.WebSocketBytes;
import dev.jcri.server.streaming.websocket.WebSocketConnection;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.net.ServerSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server behind the URLs that Exec, Attach and PortForward return: {@code /exec/<token>},
 * {@code /attach/<token>} and {@code /portforward/<token>}, upgraded to SPDY/3.1 (what kubelet and crictl speak)
 * or to WebSocket. One virtual thread per connection; the token, redeemed once, carries the CRI request's
 * parameters, so the URL needs no query.
 *
 * <p>Longer than the rest (~400 lines) because it is one protocol front: the accept loop, the HTTP head, the
 * token, and the SPDY/WebSocket negotiation of each of the three routes belong together; the framings, sessions
 * and port forwarding are in the subpackages.
 */
public final class StreamingServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamingServer.class);
    private static final int HEAD_TIMEOUT_MILLIS = 30_000;
    private static final String TUNNEL_PREFIX = "SPDY/3.1+";

    private final ServerSocket listener;
    private final String baseUrl;
    private final StreamTokens tokens = new StreamTokens();
    private final Containers containers;
    private final PodSandboxes sandboxes;
    private final Duration idleTimeout;
    private final Set<Live> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** A connection in use, for the idle sweep and for shutdown. */
    private record Live(Socket socket, LongSupplier lastActivity) {}

    /**
     * @param factory plain or TLS sockets
     * @param address host to listen on; its URL form is what clients are given
     */
    public StreamingServer(
            ServerSocketFactory factory,
            boolean tls,
            String address,
            int port,
            Duration idleTimeout,
            Containers containers,
            PodSandboxes sandboxes)
            throws IOException {
        this.containers = containers;
        this.sandboxes = sandboxes;
        this.idleTimeout = idleTimeout;
        InetAddress host = InetAddress.getByName(address);
        this.listener = factory.createServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(host, port), 128);
        this.baseUrl = (tls ? "https://" : "http://") + urlHost(host) + ":" + listener.getLocalPort();
    }

    public StreamingServer start() {
        Thread.ofVirtual().name("streaming-accept").start(this::acceptLoop);
        Thread.ofVirtual().name("streaming-idle").start(this::idleSweep);
        log.info("streaming server listening on {}", baseUrl);
        return this;
    }

    public int port() {
        return listener.getLocalPort();
    }

    /**
     * The URL the client connects to for {@code request}. Fails with {@link StreamTokens.TooManyPending} when too
     * many URLs are waiting for their client.
     */
    public String urlFor(StreamRequest request) {
        return baseUrl + "/" + request.kind() + "/" + tokens.issue(request);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = listener.accept();
                Thread.ofVirtual().name("streaming-conn").start(() -> serve(socket));
            } catch (IOException e) {
                if (!closed) {
                    log.warn("streaming accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(HEAD_TIMEOUT_MILLIS);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            HttpRequestHead head = HttpRequestHead.read(in);
            socket.setSoTimeout(0);
            route(socket, in, out, head);
        } catch (SocketException e) {
            log.debug("streaming connection ended: {}", e.getMessage());
        } catch (IOException e) {
            log.debug("streaming connection failed: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("streaming connection failed", e);
        }
    }

    private void route(Socket socket, InputStream in, OutputStream out, HttpRequestHead head)
            throws IOException, InterruptedException {
        String[] parts = head.path().split("/");
        Optional<StreamRequest> redeemed = parts.length == 3 && parts[0].isEmpty()
                ? tokens.redeem(parts[2]).filter(r -> r.kind().equals(parts[1]))
                : Optional.empty();
        if (redeemed.isEmpty()) {
            // Unknown, used, expired or mismatched: all look the same, as kubelet answers them.
            HttpRequestHead.respond(out, 404, "Not Found", Map.of(), "404 page not found\n");
            return;
        }
        if (!head.method().equals("GET") && !head.method().equals("POST")) {
            HttpRequestHead.respond(out, 405, "Method Not Allowed", Map.of(), "method not allowed\n");
            return;
        }
        StreamRequest request = redeemed.get();
        if (head.upgradeTo("websocket")) {
            serveWebSocket(socket, in, out, head, request);
        } else if (head.upgradeTo("SPDY/3.1")) {
            serveSpdy(socket, in, out, head, request);
        } else {
            HttpRequestHead.respond(
                    out, 400, "Bad Request", Map.of(), "unable to upgrade: missing upgrade headers in request\n");
        }
    }

    private void serveSpdy(Socket socket, InputStream in, OutputStream out, HttpRequestHead head, StreamRequest request)
            throws IOException, InterruptedException {
        List<String> supported = request instanceof StreamRequest.PortForward
                ? List.of(SpdyPortForward.PROTOCOL)
                : SpdyCommandChannels.PROTOCOLS;
        List<String> offered = head.headerTokens("X-Stream-Protocol-Version");
        if (offered.isEmpty()) {
            HttpRequestHead.respond(
                    out,
                    400,
                    "Bad Request",
                    Map.of(),
                    "unable to upgrade: header X-Stream-Protocol-Version does not exist in request\n");
            return;
        }
        String protocol =
                offered.stream().filter(supported::contains).findFirst().orElse(null);
        if (protocol == null) {
            HttpRequestHead.respond(
                    out,
                    403,
                    "Forbidden",
                    Map.of("X-Accepted-Stream-Protocol-Versions", String.join(", ", supported)),
                    "unable to upgrade: unable to negotiate protocol: client supports " + offered + ", server accepts "
                            + supported + "\n");
            return;
        }
        HttpRequestHead.respond(
                out,
                101,
                "Switching Protocols",
                headers("Connection", "Upgrade", "Upgrade", "SPDY/3.1", "X-Stream-Protocol-Version", protocol),
                null);
        boolean portForward = request instanceof StreamRequest.PortForward;
        SpdyConnection connection =
                new SpdyConnection(socket, in, out, portForward ? SpdyPortForward::acceptable : stream -> true);
        Live entry = new Live(socket, connection::lastActivityNanos);
        live.add(entry);
        try {
            connection.start(request.kind());
            switch (request) {
                case StreamRequest.PortForward forward ->
                    SpdyPortForward.serve(connection, forward, dialer(forward.sandboxId()));
                case StreamRequest.Exec exec -> {
                    CommandChannels channels = SpdyCommandChannels.await(
                            connection, protocol, exec.stdin(), exec.stdout(), exec.stderr(), exec.tty());
                    if (channels != null) {
                        ExecSession.run(containers, exec, channels);
                    }
                }
                case StreamRequest.Attach attach -> {
                    CommandChannels channels = SpdyCommandChannels.await(
                            connection, protocol, attach.stdin(), attach.stdout(), attach.stderr(), attach.tty());
                    if (channels != null) {
                        AttachSession.run(containers, attach, channels);
                    }
                }
            }
        } finally {
            connection.close();
            live.remove(entry);
        }
    }

    private void serveWebSocket(
            Socket socket, InputStream in, OutputStream out, HttpRequestHead head, StreamRequest request)
            throws IOException, InterruptedException {
        String key = head.header("Sec-WebSocket-Key");
        if (!head.method().equals("GET")
                || key.isEmpty()
                || !head.header("Sec-WebSocket-Version").equals("13")) {
            HttpRequestHead.respond(
                    out,
                    400,
                    "Bad Request",
                    Map.of("Sec-WebSocket-Version", "13"),
                    "a WebSocket upgrade needs GET, Sec-WebSocket-Key and Sec-WebSocket-Version 13\n");
            return;
        }
        List<String> offered = head.headerTokens("Sec-WebSocket-Protocol");
        boolean tunnel = request instanceof StreamRequest.PortForward
                && offered.contains(TUNNEL_PREFIX + SpdyPortForward.PROTOCOL);
        ChannelProtocol protocol = tunnel
                ? null
                : ChannelProtocol.negotiate(
                        offered,
                        request instanceof StreamRequest.PortForward
                                ? ChannelProtocol.PORT_FORWARD
                                : ChannelProtocol.REMOTE_COMMAND);
        if (!tunnel && protocol == null) {
            HttpRequestHead.respond(
                    out,
                    403,
                    "Forbidden",
                    Map.of(),
                    "unable to upgrade: no supported WebSocket subprotocol in " + offered + "\n");
            return;
        }
        List<Integer> ports = List.of();
        if (request instanceof StreamRequest.PortForward forward && !tunnel) {
            ports = forward.ports().isEmpty() ? queryPorts(head) : forward.ports();
            if (ports == null || ports.isEmpty()) {
                HttpRequestHead.respond(
                        out,
                        400,
                        "Bad Request",
                        Map.of(),
                        "port forwarding over WebSocket needs at least one valid port\n");
                return;
            }
        }
        String subprotocol = tunnel ? TUNNEL_PREFIX + SpdyPortForward.PROTOCOL : protocol.name();
        Map<String, String> response = headers(
                "Upgrade",
                "websocket",
                "Connection",
                "Upgrade",
                "Sec-WebSocket-Accept",
                WebSocketConnection.acceptKey(key));
        if (!subprotocol.isEmpty()) {
            response.put("Sec-WebSocket-Protocol", subprotocol);
        }
        HttpRequestHead.respond(out, 101, "Switching Protocols", response, null);
        WebSocketConnection connection = new WebSocketConnection(in, out, () -> closeQuietly(socket));
        Live entry = new Live(socket, connection::lastActivityNanos);
        live.add(entry);
        try {
            switch (request) {
                case StreamRequest.PortForward forward
                when tunnel -> {
                    SpdyConnection spdy = new SpdyConnection(
                            socket,
                            WebSocketBytes.input(connection),
                            new BufferedOutputStream(WebSocketBytes.output(connection), 64 * 1024),
                            SpdyPortForward::acceptable);
                    live.add(new Live(socket, spdy::lastActivityNanos));
                    SpdyPortForward.serve(spdy.start("tunnel"), forward, dialer(forward.sandboxId()));
                }
                case StreamRequest.PortForward forward ->
                    WebSocketPortForward.serve(connection, protocol, forward, ports, dialer(forward.sandboxId()));
                case StreamRequest.Exec exec ->
                    ExecSession.run(
                            containers,
                            exec,
                            WebSocketCommandChannels.open(
                                    connection, protocol, exec.stdin(), exec.stdout(), exec.stderr()));
                case StreamRequest.Attach attach ->
                    AttachSession.run(
                            containers,
                            attach,
                            WebSocketCommandChannels.open(
                                    connection, protocol, attach.stdin(), attach.stdout(), attach.stderr()));
            }
        } finally {
            connection.close();
            live.removeIf(l -> l.socket() == socket);
        }
    }

    private PortDialer dialer(String sandboxId) {
        return port -> sandboxes.connectToPort(sandboxId, port);
    }

    /** {@code ?port=80&port=443} or {@code ?port=80,443}, as kubelet reads them; null when one is invalid. */
    private static List<Integer> queryPorts(HttpRequestHead head) {
        List<Integer> ports = new ArrayList<>();
        for (String value : head.query().getOrDefault("port", List.of())) {
            for (String item : value.split(",")) {
                try {
                    int port = Integer.parseInt(item.strip());
                    if (port < 1 || port > 65535) {
                        return null;
                    }
                    ports.add(port);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return ports;
    }

    /** Closes connections that carried nothing either way for the idle timeout (kubelet's default: 4 h). */
    private void idleSweep() {
        long period = Math.max(1000, Math.min(30_000, idleTimeout.toMillis() / 4));
        while (!closed) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Live connection : live) {
                if (now - connection.lastActivity().getAsLong() > idleTimeout.toNanos()) {
                    log.info("closing a streaming connection idle for {} s", idleTimeout.toSeconds());
                    closeQuietly(connection.socket());
                }
            }
        }
    }

    private static Map<String, String> headers(String... pairs) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            headers.put(pairs[i], pairs[i + 1]);
        }
        return headers;
    }

    private static String urlHost(InetAddress host) throws IOException {
        if (host.isAnyLocalAddress()) {
            // A wildcard is no address to give a client: the first non-loopback address of the node is.
            for (var nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp() && !nic.isLoopback()) {
                    for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                        if (!address.isLinkLocalAddress()
                                && (host instanceof Inet6Address || !(address instanceof Inet6Address))) {
                            return urlHost(address);
                        }
                    }
                }
            }
            return "127.0.0.1";
        }
        String literal = host.getHostAddress();
        return host instanceof Inet6Address ? "[" + literal.replaceFirst("%.*$", "") + "]" : literal;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing is all that was wanted.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // Closing is all that was wanted.
        }
        live.forEach(connection -> closeQuietly(connection.socket()));
    }
}
