package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.AttachRequest;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PortForwardRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import dev.jcri.e2e.streaming.ChannelWebSocketClient;
import dev.jcri.e2e.streaming.SpdyTestClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exec, Attach and PortForward through jcri's streaming server, with a SPDY client (Netty's codec, the protocol
 * kubelet and crictl speak) and a WebSocket client (the JDK's), against real containers and a pod's own network.
 */
class StreamingTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final List<String> EXEC_PROTOCOLS =
            List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io");
    private static final int IDLE_TIMEOUT_SECONDS = 5;
    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    private static String pod;
    private static String shell;
    private static String web;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(true, (registry, dir) -> {
            registry.pusher()
                    .push("test/busybox", "1", OciImageBuilder.busybox().build());
            Files.writeString(
                    dir.resolve("jcri.d/10-streaming.toml"),
                    "[streaming]\nidle_timeout_seconds = " + IDLE_TIMEOUT_SECONDS + "\n");
        });
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
        pod = runPod(PodSandboxTest.pod("streams"));
        shell = run(pod, container("shell", "sleep", "3600"));
        web = run(
                pod,
                container(
                        "web",
                        "sh",
                        "-c",
                        "mkdir -p /tmp/www && echo hello-from-pod > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static String runPod(PodSandboxConfig.Builder config) {
        return jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(config.setLogDirectory(
                                jcri.dir().resolve("logs").toString()))
                        .build())
                .getPodSandboxId();
    }

    private static ContainerConfig.Builder container(String name, String... command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of(command))
                .setLogPath(name + ".log");
    }

    private static String run(String sandbox, ContainerConfig.Builder config) {
        String id = jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(sandbox)
                        .setConfig(config)
                        .build())
                .getContainerId();
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static String execUrl(String container, boolean tty, boolean stdin, boolean stderr, String... command) {
        return jcri.runtime()
                .exec(ExecRequest.newBuilder()
                        .setContainerId(container)
                        .addAllCmd(List.of(command))
                        .setTty(tty)
                        .setStdin(stdin)
                        .setStdout(true)
                        .setStderr(stderr)
                        .build())
                .getUrl();
    }

    private static String portForwardUrl(String sandbox, int... ports) {
        PortForwardRequest.Builder request = PortForwardRequest.newBuilder().setPodSandboxId(sandbox);
        for (int port : ports) {
            request.addPort(port);
        }
        return jcri.runtime().portForward(request.build()).getUrl();
    }

    private static Map<String, String> stream(String type) {
        return Map.of("streamType", type);
    }

    private static String shellOutput(String container, String command) {
        return jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(container)
                        .addAllCmd(List.of("sh", "-c", command))
                        .setTimeout(10)
                        .build())
                .getStdout()
                .toStringUtf8();
    }

    @Test
    void execOverSpdyDeliversStdoutStderrAndTheExitCode() throws Exception {
        String url = execUrl(shell, false, false, true, "sh", "-c", "echo to-out; echo to-err >&2; exit 7");
        assertTrue(url.matches("http://127\\.0\\.0\\.1:\\d+/exec/[A-Za-z0-9_-]{40,}"), url);
        try (SpdyTestClient client = SpdyTestClient.connect(url, EXEC_PROTOCOLS)) {
            assertEquals("v4.channel.k8s.io", client.protocol());
            SpdyTestClient.Stream error = client.open(stream("error"));
            SpdyTestClient.Stream stdout = client.open(stream("stdout"));
            SpdyTestClient.Stream stderr = client.open(stream("stderr"));
            client.ping();
            String status = error.awaitEnd(WAIT);
            assertEquals("to-out\n", stdout.awaitEnd(WAIT));
            assertEquals("to-err\n", stderr.awaitEnd(WAIT));
            assertTrue(
                    status.contains("\"status\":\"Failure\"")
                            && status.contains("\"reason\":\"NonZeroExitCode\"")
                            && status.contains("{\"reason\":\"ExitCode\",\"message\":\"7\"}"),
                    status);
            client.goAway().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void execOverSpdyReportsSuccessAndOlderProtocolsWriteNothingOnSuccess() throws Exception {
        try (SpdyTestClient client =
                SpdyTestClient.connect(execUrl(shell, false, false, false, "true"), EXEC_PROTOCOLS)) {
            SpdyTestClient.Stream error = client.open(stream("error"));
            client.open(stream("stdout"));
            assertEquals("{\"metadata\":{},\"status\":\"Success\"}", error.awaitEnd(WAIT));
        }
        try (SpdyTestClient client = SpdyTestClient.connect(
                execUrl(shell, false, false, false, "sh", "-c", "exit 3"), List.of("v2.channel.k8s.io"))) {
            assertEquals("v2.channel.k8s.io", client.protocol());
            SpdyTestClient.Stream error = client.open(stream("error"));
            client.open(stream("stdout"));
            assertTrue(error.awaitEnd(WAIT).startsWith("command terminated with non-zero exit code"), error.text());
        }
    }

    @Test
    void anInteractiveShellWithATerminalFollowsResizesAndExits() throws Exception {
        String url = execUrl(shell, true, true, false, "sh");
        try (SpdyTestClient client = SpdyTestClient.connect(url, EXEC_PROTOCOLS)) {
            SpdyTestClient.Stream error = client.open(stream("error"));
            SpdyTestClient.Stream stdin = client.open(stream("stdin"));
            SpdyTestClient.Stream stdout = client.open(stream("stdout"));
            SpdyTestClient.Stream resize = client.open(stream("resize"));
            resize.write("{\"Width\":123,\"Height\":45}\n");
            // Type only once the shell shows its prompt, as a person would: a shell setting up its line editor
            // may flush input typed ahead of it (TCSAFLUSH), which made this test flaky.
            assertTrue(stdout.awaitText("# ", WAIT).contains("# "), stdout.text());
            stdin.write("tty\n");
            assertTrue(stdout.awaitText("/dev/pts/", WAIT).contains("/dev/pts/"), stdout.text());
            // The resize stream is independent of stdin and applied as it is read, so the shell may run before
            // the size is set (kubectl's first resize races the same way): ask until the size shows.
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!stdout.text().contains("45 123") && System.nanoTime() < deadline) {
                stdin.write("stty size\n");
                stdout.awaitText("45 123", Duration.ofMillis(500));
            }
            assertTrue(stdout.text().contains("45 123"), stdout.text());
            stdin.write("echo answer-$((6*7))\n");
            assertTrue(stdout.awaitText("answer-42", WAIT).contains("answer-42"), stdout.text());
            stdin.write("exit 5\n");
            String status = error.awaitEnd(WAIT);
            assertTrue(status.contains("{\"reason\":\"ExitCode\",\"message\":\"5\"}"), status);
        }
    }

    @Test
    void aClientThatDisconnectsMidExecTakesOnlyItsOwnProcessAlong() throws Exception {
        String url = execUrl(shell, false, false, false, "sleep", "4242");
        SpdyTestClient client = SpdyTestClient.connect(url, EXEC_PROTOCOLS);
        client.open(stream("error"));
        client.open(stream("stdout"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!shellOutput(shell, "ps -o args").contains("sleep 4242") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(shellOutput(shell, "ps -o args").contains("sleep 4242"), "the exec runs");
        client.close();
        deadline = System.nanoTime() + WAIT.toNanos();
        while (shellOutput(shell, "ps -o args").contains("sleep 4242") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(shellOutput(shell, "ps -o args").contains("sleep 4242"), "the exec'd process is gone");
        assertEquals(
                ContainerState.CONTAINER_RUNNING,
                jcri.runtime()
                        .containerStatus(ContainerStatusRequest.newBuilder()
                                .setContainerId(shell)
                                .build())
                        .getStatus()
                        .getState());
    }

    @Test
    void execOverWebSocketV5DeliversOutputAndTheExitCode() throws Exception {
        String url =
                execUrl(shell, false, true, true, "sh", "-c", "read line; echo got-$line; echo to-err >&2; exit 7");
        try (ChannelWebSocketClient client = ChannelWebSocketClient.connect(url, "v5.channel.k8s.io")) {
            assertEquals("v5.channel.k8s.io", client.subprotocol());
            client.send(0, "hello\n");
            client.send(255, new byte[] {0});
            assertEquals(1000, client.awaitClose(WAIT));
            assertEquals("got-hello\n", client.text(1));
            assertEquals("to-err\n", client.text(2));
            assertTrue(client.text(3).contains("{\"reason\":\"ExitCode\",\"message\":\"7\"}"), client.text(3));
        }
    }

    @Test
    void execOverWebSocketV4ReportsSuccess() throws Exception {
        try (ChannelWebSocketClient client = ChannelWebSocketClient.connect(
                execUrl(shell, false, false, false, "echo", "v4"), "v4.channel.k8s.io")) {
            assertEquals(1000, client.awaitClose(WAIT));
            assertEquals("v4\n", client.text(1));
            assertEquals("{\"metadata\":{},\"status\":\"Success\"}", client.text(3));
        }
    }

    @Test
    void attachEchoesStdinAndDetachingLeavesTheContainerRunning() throws Exception {
        String echo = run(
                pod,
                container("echo", "sh", "-c", "while read l; do echo got-$l; echo err-$l >&2; done")
                        .setStdin(true));
        try {
            String url = jcri.runtime()
                    .attach(AttachRequest.newBuilder()
                            .setContainerId(echo)
                            .setStdin(true)
                            .setStdout(true)
                            .setStderr(true)
                            .build())
                    .getUrl();
            assertTrue(url.contains("/attach/"), url);
            try (SpdyTestClient client = SpdyTestClient.connect(url, EXEC_PROTOCOLS)) {
                client.open(stream("error"));
                SpdyTestClient.Stream stdin = client.open(stream("stdin"));
                SpdyTestClient.Stream stdout = client.open(stream("stdout"));
                SpdyTestClient.Stream stderr = client.open(stream("stderr"));
                stdin.write("one\n");
                assertTrue(stdout.awaitText("got-one", WAIT).contains("got-one"), stdout.text());
                assertTrue(stderr.awaitText("err-one", WAIT).contains("err-one"), stderr.text());
            }
            // A second client sees the same container, still running.
            String again = jcri.runtime()
                    .attach(AttachRequest.newBuilder()
                            .setContainerId(echo)
                            .setStdin(true)
                            .setStdout(true)
                            .build())
                    .getUrl();
            try (ChannelWebSocketClient client = ChannelWebSocketClient.connect(again, "v4.channel.k8s.io")) {
                client.send(0, "two\n");
                assertTrue(client.awaitText(1, "got-two", WAIT).contains("got-two"), client.text(1));
            }
            assertEquals(
                    ContainerState.CONTAINER_RUNNING,
                    jcri.runtime()
                            .containerStatus(ContainerStatusRequest.newBuilder()
                                    .setContainerId(echo)
                                    .build())
                            .getStatus()
                            .getState());
        } finally {
            jcri.runtime()
                    .removeContainer(RemoveContainerRequest.newBuilder()
                            .setContainerId(echo)
                            .build());
        }
    }

    @Test
    void attachWithStdinToAContainerWithoutStdinIsRefused() {
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .attach(AttachRequest.newBuilder()
                                .setContainerId(shell)
                                .setStdin(true)
                                .setStdout(true)
                                .build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("without stdin"),
                e.getStatus().getDescription());
    }

    @Test
    void portForwardOverSpdyServesTenConcurrentConnectionsAndReportsAClosedPort() throws Exception {
        try (SpdyTestClient client = SpdyTestClient.connect(portForwardUrl(pod), List.of("portforward.k8s.io"));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            assertEquals("portforward.k8s.io", client.protocol());
            List<Future<String>> responses = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int requestId = i;
                responses.add(pool.submit(() -> httpGetThroughSpdy(client, requestId, 8080)));
            }
            for (Future<String> response : responses) {
                String text = response.get(30, TimeUnit.SECONDS);
                assertTrue(text.startsWith("HTTP/1.") && text.contains("hello-from-pod"), text);
            }
            Map<String, String> closed = Map.of("port", "9999", "requestID", "100");
            SpdyTestClient.Stream error = client.open(with(closed, "streamType", "error"));
            error.close();
            SpdyTestClient.Stream data = client.open(with(closed, "streamType", "data"));
            data.awaitEnd(WAIT);
            assertTrue(data.wasReset(), "the data stream of a refused port is reset");
            assertTrue(error.awaitEnd(WAIT).contains("error forwarding port 9999 to pod " + pod), error.text());
            // The session survives a refused port.
            assertTrue(httpGetThroughSpdy(client, 101, 8080).contains("hello-from-pod"));
        }
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        all.put(name, value);
        return all;
    }

    private static String httpGetThroughSpdy(SpdyTestClient client, int requestId, int port) throws Exception {
        Map<String, String> headers = Map.of("port", Integer.toString(port), "requestID", Integer.toString(requestId));
        SpdyTestClient.Stream error = client.open(with(headers, "streamType", "error"));
        error.close();
        SpdyTestClient.Stream data = client.open(with(headers, "streamType", "data"));
        data.write("GET /index.html HTTP/1.0\r\n\r\n");
        return data.awaitEnd(WAIT) + error.text();
    }

    @Test
    void portForwardConnectsInsideThePodNotOnTheNode() throws Exception {
        try (ServerSocket onTheNode = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                SpdyTestClient client = SpdyTestClient.connect(portForwardUrl(pod), List.of("portforward.k8s.io"))) {
            String reply = httpGetThroughSpdy(client, 1, onTheNode.getLocalPort());
            assertTrue(reply.contains("error forwarding port " + onTheNode.getLocalPort()), reply);
        }
    }

    @Test
    void portForwardWorksForAHostNetworkPod() throws Exception {
        PodSandboxConfig.Builder config = PodSandboxTest.pod("hostnet");
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE);
        String hostPod = runPod(config);
        // Closed in reverse: the server socket first, so that a failed test does not leave accept() waiting.
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
                ServerSocket onTheNode = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            pool.submit((Callable<Void>) () -> {
                try (Socket socket = onTheNode.accept();
                        OutputStream out = socket.getOutputStream()) {
                    out.write("from-the-node\n".getBytes(StandardCharsets.UTF_8));
                }
                return null;
            });
            try (SpdyTestClient client =
                    SpdyTestClient.connect(portForwardUrl(hostPod), List.of("portforward.k8s.io"))) {
                assertEquals("from-the-node\n", httpGetThroughSpdy(client, 1, onTheNode.getLocalPort()));
            }
        } finally {
            jcri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(hostPod)
                            .build());
        }
    }

    @Test
    void portForwardOverWebSocketAnnouncesThePortAndCarriesData() throws Exception {
        try (ChannelWebSocketClient client =
                ChannelWebSocketClient.connect(portForwardUrl(pod, 8080), "v4.channel.k8s.io")) {
            byte[] port = {(byte) (8080 & 0xff), (byte) (8080 >> 8)};
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (client.received(1).length < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of(port[0], port[1]), List.of(client.received(0)[0], client.received(0)[1]));
            assertEquals(List.of(port[0], port[1]), List.of(client.received(1)[0], client.received(1)[1]));
            client.send(0, "GET /index.html HTTP/1.0\r\n\r\n");
            assertEquals(1000, client.awaitClose(WAIT));
            assertTrue(client.text(0).contains("hello-from-pod"), client.text(0));
        }
    }

    @Test
    void aTokenWorksOnceAndAnUnknownOneIsNotFound() throws Exception {
        String url = execUrl(shell, false, false, false, "true");
        try (SpdyTestClient client = SpdyTestClient.connect(url, EXEC_PROTOCOLS)) {
            client.open(stream("error")).awaitEnd(Duration.ofSeconds(1)).isEmpty();
        } catch (java.util.concurrent.TimeoutException expected) {
            // Only the use of the token matters here.
        }
        assertEquals(
                404,
                assertThrows(SpdyTestClient.Refused.class, () -> SpdyTestClient.connect(url, EXEC_PROTOCOLS)).status);
        String unknown = url.substring(0, url.lastIndexOf('/') + 1) + "A".repeat(43);
        assertEquals(
                404,
                assertThrows(SpdyTestClient.Refused.class, () -> SpdyTestClient.connect(unknown, EXEC_PROTOCOLS))
                        .status);
        String mismatched = url.replace("/exec/", "/attach/")
                .replaceFirst(
                        "/[^/]+$",
                        "/" + execUrl(shell, false, false, false, "true").replaceFirst(".*/", ""));
        assertEquals(
                404,
                assertThrows(SpdyTestClient.Refused.class, () -> SpdyTestClient.connect(mismatched, EXEC_PROTOCOLS))
                        .status);
    }

    @Test
    void protocolNegotiationFailuresAreAnsweredBeforeTheUpgrade() throws Exception {
        assertEquals(
                403,
                assertThrows(
                                SpdyTestClient.Refused.class,
                                () -> SpdyTestClient.connect(
                                        execUrl(shell, false, false, false, "true"), List.of("v9.channel.k8s.io")))
                        .status);
        assertEquals(
                400,
                assertThrows(
                                SpdyTestClient.Refused.class,
                                () -> SpdyTestClient.connect(execUrl(shell, false, false, false, "true"), List.of()))
                        .status);
        assertEquals(
                403,
                assertThrows(
                                SpdyTestClient.Refused.class,
                                () -> ChannelWebSocketClient.connect(
                                        execUrl(shell, false, false, false, "true"), "v9.channel.k8s.io"))
                        .status);
    }

    @Test
    void badRequestsGetNoUrl() {
        String stopped = run(pod, container("stopped", "true"));
        try {
            jcri.runtime()
                    .stopContainer(StopContainerRequest.newBuilder()
                            .setContainerId(stopped)
                            .build());
            assertCode(Status.Code.FAILED_PRECONDITION, () -> execUrl(stopped, false, false, false, "true"));
            assertCode(Status.Code.NOT_FOUND, () -> execUrl("0123456789ab", false, false, false, "true"));
            assertCode(Status.Code.INVALID_ARGUMENT, () -> execUrl(shell, true, false, true, "true"));
            assertCode(
                    Status.Code.INVALID_ARGUMENT,
                    () -> jcri.runtime()
                            .exec(ExecRequest.newBuilder()
                                    .setContainerId(shell)
                                    .addCmd("true")
                                    .build()));
            assertCode(
                    Status.Code.INVALID_ARGUMENT,
                    () -> jcri.runtime()
                            .exec(ExecRequest.newBuilder()
                                    .setContainerId(shell)
                                    .setStdout(true)
                                    .build()));
            assertCode(Status.Code.NOT_FOUND, () -> portForwardUrl("0123456789ab"));
            assertCode(Status.Code.INVALID_ARGUMENT, () -> portForwardUrl(pod, 70000));
        } finally {
            jcri.runtime()
                    .removeContainer(RemoveContainerRequest.newBuilder()
                            .setContainerId(stopped)
                            .build());
        }
    }

    private static void assertCode(Status.Code code, org.junit.jupiter.api.function.Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        try (SpdyTestClient client = SpdyTestClient.connect(portForwardUrl(pod), List.of("portforward.k8s.io"))) {
            client.closed().get(IDLE_TIMEOUT_SECONDS * 4L, TimeUnit.SECONDS);
            assertFalse(client.isOpen());
        }
    }
}
