package dev.jcri.server.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The Kubernetes API server as a pod sees it: its address from {@code KUBERNETES_SERVICE_HOST/PORT}, the pod's service
 * account token as bearer token, and TLS trusting only the cluster's CA ({@code ca.crt}), never the JDK's defaults.
 */
public final class InClusterApi {
    /** Where kubelet mounts the pod's service account credentials. */
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI server;
    private final String token;
    private final HttpClient client;

    public InClusterApi(URI server, String token, SSLContext tls) {
        this.server = server;
        this.token = token;
        this.client =
                HttpClient.newBuilder().sslContext(tls).connectTimeout(TIMEOUT).build();
    }

    /**
     * The API server named by the environment, with the credentials in {@code serviceAccount} (a directory holding
     * {@code token} and {@code ca.crt}).
     */
    public static InClusterApi from(Map<String, String> environment, Path serviceAccount) throws IOException {
        String host = environment.get("KUBERNETES_SERVICE_HOST");
        if (host == null || host.isBlank()) {
            throw new IOException("KUBERNETES_SERVICE_HOST is not set: not running in a pod of a cluster");
        }
        String port = environment.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        // An IPv6 service address goes in brackets.
        String authority = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        String token = Files.readString(serviceAccount.resolve("token"), StandardCharsets.UTF_8)
                .strip();
        return new InClusterApi(URI.create("https://" + authority), token, trusting(serviceAccount.resolve("ca.crt")));
    }

    /** A TLS context that trusts the certificates in {@code caBundle} (PEM) and nothing else. */
    public static SSLContext trusting(Path caBundle) throws IOException {
        try (InputStream in = Files.newInputStream(caBundle)) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            for (Certificate certificate :
                    CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trusted.setCertificateEntry("ca-" + n++, certificate);
            }
            if (n == 0) {
                throw new IOException(caBundle + " holds no certificate");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IOException(caBundle + ": " + e.getMessage(), e);
        }
    }

    /**
     * Applies a JSON merge patch (RFC 7386) to the object at {@code path}, e.g. {@code /api/v1/nodes/NAME}; returns
     * the response body (the patched object).
     */
    public String mergePatch(String path, String patch) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(server.resolve(path))
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/merge-patch+json")
                .header("Accept", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(patch, StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // A refused connection carries no message of its own.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IOException("PATCH " + request.uri() + ": " + why, e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException("PATCH " + path + ": HTTP " + response.statusCode() + " "
                    + response.body().strip());
        }
        return response.body();
    }
}
