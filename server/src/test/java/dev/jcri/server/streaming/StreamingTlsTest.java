package dev.jcri.server.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.server.streaming.request.StreamRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming server over TLS, with a self-signed fixture certificate for 127.0.0.1. */
class StreamingTlsTest {

    private static Path fixture(Path dir, String name) throws IOException {
        try (InputStream in = StreamingTlsTest.class.getResourceAsStream(name)) {
            Path file = dir.resolve(name);
            Files.write(file, in.readAllBytes());
            return file;
        }
    }

    @Test
    void urlsAreHttpsAndTheServerSpeaksTls(@TempDir Path dir) throws Exception {
        Path cert = fixture(dir, "test-cert.pem");
        Path key = fixture(dir, "test-key.pem");
        try (StreamingServer server = new StreamingServer(
                        StreamingTls.serverSocketFactory(cert, key),
                        true,
                        "127.0.0.1",
                        0,
                        Duration.ofHours(4),
                        null,
                        null)
                .start()) {
            String url = server.urlFor(new StreamRequest.Exec("c", List.of("true"), false, false, true, false));
            assertTrue(url.startsWith("https://127.0.0.1:" + server.port() + "/exec/"), url);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            try (InputStream in = Files.newInputStream(cert)) {
                trusted.setCertificateEntry(
                        "jcri", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            HttpClient client = HttpClient.newBuilder().sslContext(context).build();
            // A plain GET without an upgrade redeems the token and is refused: the TLS handshake worked.
            HttpResponse<String> first =
                    client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, first.statusCode(), first.body());
            HttpResponse<String> again =
                    client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, again.statusCode(), "the token was used");
        }
    }

    @Test
    void aKeyInAnotherFormatIsAClearError(@TempDir Path dir) throws Exception {
        Path cert = fixture(dir, "test-cert.pem");
        Path key = Files.writeString(
                dir.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n" + "-----END RSA PRIVATE KEY-----\n");
        IOException e = assertThrows(IOException.class, () -> StreamingTls.serverSocketFactory(cert, key));
        assertTrue(e.getMessage().contains("openssl pkcs8"), e.getMessage());
    }
}
