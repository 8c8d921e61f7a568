package dev.jcri.e2e.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Pushes blobs and manifests to a registry over the distribution API, as {@code docker push} does: HEAD each blob
 * and skip it when present, else {@code POST /v2/<repo>/blobs/uploads/} then one monolithic
 * {@code PUT <location>&digest=...}; then {@code PUT /v2/<repo>/manifests/<ref>} with the manifest's media type.
 * Basic-auth credentials, when given, are sent with every request.
 */
public final class RegistryPusher implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final String authorization;
    private final HttpClient http;

    /** A registry error answer: status and body. */
    public static final class RegistryException extends IOException {
        private final int status;
        private final String body;

        RegistryException(String what, int status, String body) {
            super(what + ": HTTP " + status + " " + body);
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public String body() {
            return body;
        }
    }

    /** {@code baseUrl} like {@code http://127.0.0.1:5000}. */
    public RegistryPusher(String baseUrl) {
        this(baseUrl, null, null);
    }

    public RegistryPusher(String baseUrl, String username, String password) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        this.authorization = username == null ? null : basicAuth(username, password);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** The value of an {@code Authorization: Basic ...} header. */
    public static String basicAuth(String username, String password) {
        return "Basic "
                + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Pushes every blob of {@code image}, then its manifest under {@code tag} (null: by digest only). */
    public String push(String repo, String tag, OciImage image) throws IOException, InterruptedException {
        Set<String> seen = new LinkedHashSet<>();
        for (Blob b : image.blobs()) {
            if (seen.add(b.digest())) {
                pushBlob(repo, b);
            }
        }
        return pushManifest(repo, tag == null ? image.digest() : tag, image.manifest());
    }

    /**
     * Pushes every platform's image by digest, then the index under {@code tag} (null: by digest only). Returns the
     * index digest.
     */
    public String push(String repo, String tag, OciIndex index) throws IOException, InterruptedException {
        for (OciImage m : index.manifests()) {
            push(repo, null, m);
        }
        return pushManifest(repo, tag == null ? index.digest() : tag, index.index());
    }

    public boolean blobExists(String repo, String digest) throws IOException, InterruptedException {
        HttpResponse<Void> r = http.send(
                request("/v2/" + repo + "/blobs/" + digest)
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        return r.statusCode() == 200;
    }

    /** Uploads {@code blob} unless the registry has it; true when it was uploaded. */
    public boolean pushBlob(String repo, Blob blob) throws IOException, InterruptedException {
        if (blobExists(repo, blob.digest())) {
            return false;
        }
        HttpResponse<String> start = http.send(
                request("/v2/" + repo + "/blobs/uploads/")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (start.statusCode() != 202) {
            throw new RegistryException(
                    "starting upload of " + blob.digest() + " to " + repo, start.statusCode(), start.body());
        }
        String location = start.headers()
                .firstValue("Location")
                .orElseThrow(() -> new IOException("upload of " + blob.digest() + ": 202 without Location"));
        URI uploadUri = base.resolve(location);
        String sep = uploadUri.getRawQuery() == null ? "?" : "&";
        URI put = URI.create(uploadUri + sep + "digest=" + URLEncoder.encode(blob.digest(), StandardCharsets.UTF_8));
        HttpResponse<String> done = http.send(
                request(put)
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(blob.bytes()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (done.statusCode() != 201) {
            throw new RegistryException("uploading " + blob.digest() + " to " + repo, done.statusCode(), done.body());
        }
        return true;
    }

    /**
     * PUTs {@code manifest} (its media type as Content-Type) under {@code reference}, a tag or a digest; returns
     * the digest, after checking the registry's {@code Docker-Content-Digest} matches the bytes sent.
     */
    public String pushManifest(String repo, String reference, Blob manifest) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                request("/v2/" + repo + "/manifests/" + reference)
                        .header("Content-Type", manifest.mediaType())
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest.bytes()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new RegistryException("pushing manifest " + repo + ":" + reference, r.statusCode(), r.body());
        }
        String digest = r.headers().firstValue("Docker-Content-Digest").orElse(manifest.digest());
        if (!digest.equals(manifest.digest())) {
            throw new IOException("registry says manifest " + repo + ":" + reference + " is " + digest
                    + " but its bytes hash to " + manifest.digest());
        }
        return digest;
    }

    /**
     * Deletes a blob from {@code repo} (the registry must have deletes enabled, as {@link LocalRegistry} does), e.g.
     * to make a pushed manifest point at a missing layer: the registry refuses to accept such a manifest in the
     * first place.
     */
    public void deleteBlob(String repo, String digest) throws IOException, InterruptedException {
        delete("/v2/" + repo + "/blobs/" + digest);
    }

    /** Deletes a manifest by digest, and with it every tag pointing at it. */
    public void deleteManifest(String repo, String digest) throws IOException, InterruptedException {
        delete("/v2/" + repo + "/manifests/" + digest);
    }

    private void delete(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new RegistryException("DELETE " + path, r.statusCode(), r.body());
        }
    }

    private HttpRequest.Builder request(String path) {
        return request(base.resolve(path));
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    @Override
    public void close() {
        http.close();
    }
}
