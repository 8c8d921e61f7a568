package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ContainerFilter;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxFilter;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code jcri play} against the real daemon over its socket: an init container filling an emptyDir that busybox
 * httpd serves on a host port reached over loopback; ConfigMap and Secret volumes and env; {@code --down} leaving
 * nothing, twice; bad manifests refused with nothing created; a failing pod removed unless {@code --keep-failed};
 * {@code --follow} restarting a crashing container with back-off and a container whose exec liveness probe fails,
 * TCP startup and HTTP readiness probes, and removing the pod on SIGTERM.
 */
class PlayTest {
    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    private static Path playDir;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(
                true,
                (registry, dir) -> registry.pusher()
                        .push("test/busybox", "1", OciImageBuilder.busybox().build()));
        jcri = node.jcri();
        image = node.registryHostPort() + "/test/busybox:1";
        playDir = jcri.dir().resolve("play");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    /** A finished {@code jcri play} run. */
    record Run(int exit, String out, String err) {}

    private static List<String> command(String manifest, String... flags) throws IOException {
        Path file = Files.createTempFile(jcri.dir(), "manifest-", ".yaml");
        Files.writeString(file, manifest);
        List<String> command = new ArrayList<>(JcriProcess.jarLauncher());
        command.addAll(List.of(
                "play",
                "--endpoint",
                "unix://" + jcri.socket(),
                "--state-dir",
                playDir.resolve("state").toString(),
                "--pod-logs-dir",
                playDir.resolve("logs").toString()));
        command.addAll(List.of(flags));
        command.add(file.toString());
        return command;
    }

    private static Run play(String manifest, String... flags) throws Exception {
        Process process = new ProcessBuilder(command(manifest, flags)).start();
        process.getOutputStream().close();
        var out = readAsync(process.getInputStream());
        var err = readAsync(process.getErrorStream());
        assertTrue(process.waitFor(Slowdown.seconds(120), TimeUnit.SECONDS), "jcri play did not end");
        return new Run(process.exitValue(), out.get(), err.get());
    }

    private static java.util.function.Supplier<String> readAsync(InputStream in) {
        StringBuffer text = new StringBuffer();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                byte[] buffer = new byte[4096];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                text.append("(read: ").append(e.getMessage()).append(")");
            }
        });
        return () -> {
            try {
                reader.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return text.toString();
        };
    }

    private static List<PodSandbox> sandboxes(String name) {
        return jcri.runtime()
                .listPodSandbox(ListPodSandboxRequest.newBuilder()
                        .setFilter(PodSandboxFilter.newBuilder().putLabelSelector("io.kubernetes.pod.name", name))
                        .build())
                .getItemsList();
    }

    private static String exec(String pod, String container, String... cmd) {
        String sandbox = sandboxes(pod).getFirst().getId();
        String id = jcri.runtime()
                .listContainers(ListContainersRequest.newBuilder()
                        .setFilter(ContainerFilter.newBuilder()
                                .setPodSandboxId(sandbox)
                                .putLabelSelector("io.kubernetes.container.name", container))
                        .build())
                .getContainers(0)
                .getId();
        return jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addAllCmd(List.of(cmd))
                        .setTimeout(10)
                        .build())
                .getStdout()
                .toStringUtf8();
    }

    /** Pod directories play left: volumes under its state dir, and log directories. */
    private static long podDirs() throws IOException {
        return entries(playDir.resolve("state/pods")) + entries(playDir.resolve("logs"));
    }

    private static long entries(Path pods) throws IOException {
        if (!Files.isDirectory(pods)) {
            return 0;
        }
        try (Stream<Path> list = Files.list(pods)) {
            return list.count();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void initContainerFillsAnEmptyDirThatHttpdServesOnAHostPort() throws Exception {
        int port = freePort();
        String manifest = """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                spec:
                  volumes:
                  - name: www
                    emptyDir: {}
                  initContainers:
                  - name: fill
                    image: %1$s
                    command: ["sh", "-c", "echo hello from init > /www/index.html"]
                    volumeMounts: [{name: www, mountPath: /www}]
                  containers:
                  - name: httpd
                    image: %1$s
                    command: ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
                    ports: [{containerPort: 8080, hostPort: %2$d}]
                    volumeMounts: [{name: www, mountPath: /www, readOnly: true}]
                """.formatted(image, port);
        Run run = play(manifest);
        try {
            assertEquals(0, run.exit(), run.err());
            assertTrue(run.out().contains("container httpd "), run.out());
            HttpClient http = HttpClient.newHttpClient();
            String body = null;
            long deadline =
                    System.nanoTime() + Slowdown.of(Duration.ofSeconds(20)).toNanos();
            while (body == null && System.nanoTime() < deadline) {
                try {
                    body = http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html"))
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
                } catch (IOException e) {
                    Thread.sleep(200);
                }
            }
            assertEquals("hello from init\n", body);
        } finally {
            Run down = play(manifest, "--down");
            assertEquals(0, down.exit(), down.err());
        }
        assertEquals(List.of(), sandboxes("web"));
        assertEquals(0, podDirs());
        Run again = play(manifest, "--down");
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("pod default/web: nothing to remove"), again.out());
    }

    @Test
    void configMapAndSecretReachVolumesAndEnvironment() throws Exception {
        String manifest = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings}
                data:
                  greeting: hello
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds}
                data:
                  token: czNjcmV0
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: configured}
                spec:
                  volumes:
                  - {name: cfg, configMap: {name: settings}}
                  - {name: sec, secret: {secretName: creds, defaultMode: 0400}}
                  containers:
                  - name: app
                    image: %s
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                    env:
                    - {name: GREETING, valueFrom: {configMapKeyRef: {name: settings, key: greeting}}}
                    - {name: TOKEN, valueFrom: {secretKeyRef: {name: creds, key: token}}}
                    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                    volumeMounts:
                    - {name: cfg, mountPath: /cfg}
                    - {name: sec, mountPath: /sec}
                """.formatted(image);
        Run run = play(manifest);
        try {
            assertEquals(0, run.exit(), run.err());
            assertEquals("hello", exec("configured", "app", "cat", "/cfg/greeting"));
            assertEquals("s3cret", exec("configured", "app", "cat", "/sec/token"));
            assertEquals(
                    "hello s3cret configured\n", exec("configured", "app", "sh", "-c", "echo $GREETING $TOKEN $POD"));
            assertEquals("400\n", exec("configured", "app", "sh", "-c", "stat -L -c %a /sec/token"));
            // Read-only like kubelet's configMap volumes.
            assertEquals(
                    "no\n", exec("configured", "app", "sh", "-c", "touch /cfg/x 2>/dev/null && echo yes || echo no"));
        } finally {
            assertEquals(0, play(manifest, "--down").exit());
        }
        assertEquals(List.of(), sandboxes("configured"));
    }

    @Test
    void badManifestsAreRefusedWithNothingCreated() throws Exception {
        int before = jcri.runtime()
                .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsCount();
        Run unknownField = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: typo}
                spec:
                  containers:
                  - name: app
                    image: %s
                    comand: ["true"]
                """.formatted(image));
        assertEquals(1, unknownField.exit());
        assertEquals(
                "jcri play: document 1 (v1 Pod \"typo\"): spec.containers[0].comand: unknown field\n",
                unknownField.err());
        Run missingConfigMap = play("""
                apiVersion: v1
                kind: Pod
                metadata: {name: lonely}
                spec:
                  containers:
                  - name: app
                    image: %s
                    envFrom: [{configMapRef: {name: absent}}]
                """.formatted(image));
        assertEquals(1, missingConfigMap.exit());
        assertTrue(
                missingConfigMap
                        .err()
                        .contains("pod \"default/lonely\": spec.containers[0].envFrom[0].configMapRef:"
                                + " configmap \"default/absent\" is not in the manifest"),
                missingConfigMap.err());
        Run deployment = play("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n");
        assertEquals(1, deployment.exit());
        assertTrue(deployment.err().contains("(apps/v1 Deployment \"d\")"), deployment.err());
        assertEquals(
                before,
                jcri.runtime()
                        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsCount());
        assertEquals(0, podDirs());
    }

    @Test
    void aPodThatFailsIsRemovedUnlessKept() throws Exception {
        String manifest = """
                apiVersion: v1
                kind: Pod
                metadata: {name: broken}
                spec:
                  volumes: [{name: scratch, emptyDir: {}}]
                  containers:
                  - name: ok
                    image: %s
                    command: ["sleep", "3600"]
                  - name: missing
                    image: %s
                """.formatted(image, node.registryHostPort() + "/test/absent:1");
        Run failed = play(manifest);
        assertEquals(1, failed.exit());
        assertTrue(failed.err().contains("pod \"default/broken\": spec.containers[1].image: pulling \""), failed.err());
        assertEquals(List.of(), sandboxes("broken"));
        assertEquals(0, podDirs());

        Run kept = play(manifest, "--keep-failed");
        assertEquals(1, kept.exit());
        assertTrue(kept.out().contains("kept the failed pod's sandbox"), kept.out());
        assertEquals(1, sandboxes("broken").size());
        assertEquals(0, play(manifest, "--down").exit());
        assertEquals(List.of(), sandboxes("broken"));
        assertEquals(0, podDirs());
    }

    @Test
    void initContainerFailureStopsThePlayWithItsLog() throws Exception {
        String manifest = """
                apiVersion: v1
                kind: Pod
                metadata: {name: init-fails}
                spec:
                  restartPolicy: Never
                  initContainers:
                  - name: check
                    image: %1$s
                    command: ["sh", "-c", "echo precondition not met; exit 3"]
                  containers:
                  - name: app
                    image: %1$s
                """.formatted(image);
        Run run = play(manifest);
        assertEquals(1, run.exit());
        assertTrue(
                run.err()
                        .contains("spec.initContainers[0] (\"check\") exited with code 3; its last log lines:\n"
                                + "  precondition not met"),
                run.err());
        assertEquals(List.of(), sandboxes("init-fails"));
    }

    /** A {@code jcri play --follow} in the background, its output collected. */
    private static final class Following implements AutoCloseable {
        final Process process;
        final StringBuffer out = new StringBuffer();

        Following(String manifest) throws IOException {
            process = new ProcessBuilder(command(manifest, "--follow", "--backoff-initial", "300"))
                    .redirectErrorStream(true)
                    .start();
            Thread.ofVirtual().start(() -> {
                try (InputStream in = process.getInputStream()) {
                    byte[] buffer = new byte[4096];
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        out.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    out.append("(read: ").append(e.getMessage()).append(")");
                }
            });
        }

        void await(String text, int times) throws InterruptedException {
            long deadline =
                    System.nanoTime() + Slowdown.of(Duration.ofSeconds(60)).toNanos();
            while (System.nanoTime() < deadline) {
                if (count(text) >= times) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("no " + times + "x \"" + text + "\" in:\n" + out);
        }

        int count(String text) {
            String all = out.toString();
            int n = 0;
            for (int i = all.indexOf(text); i >= 0; i = all.indexOf(text, i + 1)) {
                n++;
            }
            return n;
        }

        /** SIGTERM, as Ctrl-C would: the pod is stopped with its grace period and removed. */
        int terminate() throws InterruptedException, IOException {
            // Process.destroy would close our end of its output too; kill(1) leaves it to read the goodbye.
            new ProcessBuilder("kill", "-TERM", Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            assertTrue(process.waitFor(Slowdown.seconds(60), TimeUnit.SECONDS), "play --follow did not stop:\n" + out);
            int exit = process.exitValue();
            Thread.sleep(200);
            return exit;
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void followRestartsACrashingContainerWithBackoffAndStopsOnSigterm() throws Exception {
        String manifest = """
                apiVersion: v1
                kind: Pod
                metadata: {name: crasher}
                spec:
                  terminationGracePeriodSeconds: 5
                  containers:
                  - name: app
                    image: %s
                    command: ["sh", "-c", "echo started; exit 2"]
                """.formatted(image);
        try (Following follow = new Following(manifest)) {
            follow.await("[crasher/app] started", 3);
            follow.await("[crasher/app] exited with code 2", 3);
            // kubelet's sequence: at once, then the initial back-off, then twice it.
            follow.await("[crasher/app] back-off 300 ms before restart 2", 1);
            follow.await("[crasher/app] back-off 600 ms before restart 3", 1);
            assertEquals(0, follow.terminate(), follow.out.toString());
            assertTrue(follow.out.toString().contains("removed pod default/crasher"), follow.out.toString());
        }
        assertEquals(List.of(), sandboxes("crasher"));
        assertEquals(0, podDirs());
    }

    @Test
    void followRestartsAContainerWhoseLivenessProbeFails() throws Exception {
        String manifest = """
                apiVersion: v1
                kind: Pod
                metadata: {name: sick}
                spec:
                  terminationGracePeriodSeconds: 2
                  containers:
                  - name: app
                    image: %1$s
                    command: ["sh", "-c", "trap 'exit 0' TERM; echo up; touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600 & wait"]
                    livenessProbe:
                      exec: {command: ["cat", "/tmp/healthy"]}
                      periodSeconds: 1
                      failureThreshold: 2
                  - name: web
                    image: %1$s
                    command: ["sh", "-c", "mkdir /www && echo ok > /www/index.html && exec /bin/busybox httpd -f -p 8080 -h /www"]
                    ports: [{name: http, containerPort: 8080}]
                    startupProbe:
                      tcpSocket: {port: http}
                      periodSeconds: 1
                      failureThreshold: 30
                    readinessProbe:
                      httpGet: {path: /index.html, port: 8080}
                      periodSeconds: 1
                """.formatted(image);
        try (Following follow = new Following(manifest)) {
            follow.await("[sick/app] liveness probe failed 2 times", 1);
            follow.await("[sick/app] up", 2);
            follow.await("[sick/web] startup probe succeeded", 1);
            follow.await("[sick/web] ready", 1);
            assertEquals(0, follow.terminate(), follow.out.toString());
        }
        assertEquals(List.of(), sandboxes("sick"));
    }

    @Test
    void followRestartsAFailingInitContainerUntilItSucceeds() throws Exception {
        String manifest = """
                apiVersion: v1
                kind: Pod
                metadata: {name: retry}
                spec:
                  terminationGracePeriodSeconds: 2
                  volumes: [{name: work, emptyDir: {}}]
                  initContainers:
                  - name: init
                    image: %1$s
                    command: ["sh", "-c", "test -f /work/ok || { touch /work/ok; echo first try fails; exit 1; }"]
                    volumeMounts: [{name: work, mountPath: /work}]
                  containers:
                  - name: app
                    image: %1$s
                    command: ["sh", "-c", "trap 'exit 0' TERM; echo app up; sleep 3600 & wait"]
                """.formatted(image);
        try (Following follow = new Following(manifest)) {
            follow.await("[retry/init] first try fails", 1);
            follow.await("[retry/init] exited with code 1; back-off 0 ms before restart 1", 1);
            follow.await("[retry/app] app up", 1);
            assertEquals(0, follow.terminate(), follow.out.toString());
        }
        assertEquals(List.of(), sandboxes("retry"));
        assertEquals(0, podDirs());
    }
}
