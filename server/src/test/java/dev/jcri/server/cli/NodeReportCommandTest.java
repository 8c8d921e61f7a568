package dev.jcri.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code jcri node-report} against a local HTTPS server standing in for the API server. */
class NodeReportCommandTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    Path dir;

    private HttpsServer server;
    private final List<Request> requests = new ArrayList<>();
    private int status = 200;

    record Request(String method, String path, String contentType, String authorization, String body) {}

    @BeforeEach
    void startApiServer() throws Exception {
        // A self-signed certificate for localhost: the service account's ca.crt is that certificate itself.
        Path keystore = dir.resolve("server.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "api",
                "-keyalg",
                "EC",
                "-dname",
                "CN=localhost",
                "-ext",
                "san=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                new String(PASSWORD));
        Path account = Files.createDirectories(dir.resolve("serviceaccount"));
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "api",
                "-keystore",
                keystore.toString(),
                "-storepass",
                new String(PASSWORD),
                "-file",
                account.resolve("ca.crt").toString());
        Files.writeString(account.resolve("token"), "sa-token\n");

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stopApiServer() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        synchronized (requests) {
            requests.add(new Request(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    body));
        }
        byte[] response = (status == 200 ? "{\"kind\":\"Node\"}" : "{\"kind\":\"Status\",\"code\":" + status + "}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, response.length);
        exchange.getResponseBody().write(response);
        exchange.close();
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keytool timed out");
        assertEquals(0, process.exitValue(), output);
    }

    private int run(String... args) {
        Map<String, String> environment = Map.of(
                "KUBERNETES_SERVICE_HOST",
                "localhost",
                "KUBERNETES_SERVICE_PORT",
                Integer.toString(server.getAddress().getPort()));
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--service-account=" + dir.resolve("serviceaccount"));
        return new CommandLine(new NodeReportCommand(environment)).execute(all.toArray(String[]::new));
    }

    @Test
    void installedPatchesLabelAndAnnotation() {
        assertEquals(0, run("--node", "worker-1.example", "--installed", "0.1.0-SNAPSHOT+abc1234"));

        assertEquals(1, requests.size());
        Request request = requests.getFirst();
        assertEquals("PATCH", request.method());
        assertEquals("/api/v1/nodes/worker-1.example", request.path());
        assertEquals("application/merge-patch+json", request.contentType());
        assertEquals("Bearer sa-token", request.authorization());
        JsonNode metadata =
                JsonMapper.builder().build().readTree(request.body()).get("metadata");
        assertEquals(
                "0.1.0-SNAPSHOT_abc1234",
                metadata.get("labels").get("jcri.dev/installed").asString());
        assertEquals(
                "0.1.0-SNAPSHOT+abc1234",
                metadata.get("annotations").get("jcri.dev/installed-version").asString());
    }

    @Test
    void removedPatchesNulls() {
        assertEquals(0, run("--node", "worker-1", "--removed"));

        JsonNode metadata = JsonMapper.builder()
                .build()
                .readTree(requests.getFirst().body())
                .get("metadata");
        assertTrue(metadata.get("labels").get("jcri.dev/installed").isNull());
        assertTrue(metadata.get("annotations").get("jcri.dev/installed-version").isNull());
    }

    @Test
    void refusalFromTheApiServerFails() {
        status = 403;
        assertEquals(JcriCommand.EXIT_FAILED, run("--node", "worker-1", "--installed", "0.1.0"));
    }

    @Test
    void unreachableApiServerFails() {
        server.stop(0);
        assertEquals(JcriCommand.EXIT_FAILED, run("--node", "worker-1", "--installed", "0.1.0"));
    }

    @Test
    void badNodeNameIsRefusedBeforeAnyRequest() {
        assertEquals(JcriCommand.EXIT_BAD_CONFIG, run("--node", "../namespaces", "--installed", "0.1.0"));
        assertTrue(requests.isEmpty());
    }

    @Test
    void withoutApiServerFails() {
        int code = new CommandLine(new NodeReportCommand(Map.of()))
                .execute("--node", "worker-1", "--removed", "--service-account=" + dir.resolve("serviceaccount"));
        assertEquals(JcriCommand.EXIT_FAILED, code);
    }

    @Test
    void labelValueMapsTheVersion() {
        assertEquals("0.1.0", NodeReportCommand.labelValue("0.1.0"));
        assertEquals("0.1.0-SNAPSHOT_abc1234", NodeReportCommand.labelValue("0.1.0-SNAPSHOT+abc1234"));
        assertEquals("v1.2_x", NodeReportCommand.labelValue("+v1.2 x-"));
        String longVersion = "1.0.0-" + "a".repeat(80);
        String value = NodeReportCommand.labelValue(longVersion);
        assertEquals(63, value.length());
        assertTrue(value.matches("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"), value);
    }
}
