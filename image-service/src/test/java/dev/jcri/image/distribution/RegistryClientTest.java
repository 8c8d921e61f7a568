package dev.jcri.image.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jcri.image.Digest;
import dev.jcri.image.ImageReference;
import dev.jcri.image.registryconfig.Endpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RegistryClient against an in-process HTTP server on 127.0.0.1 that plays the registry and its token server.
 * The endpoints are insecure, so the client first tries HTTPS, then falls back to plain HTTP.
 */
class RegistryClientTest {
    private static final byte[] MANIFEST = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":2},\
            "layers":[]}""".formatted("0".repeat(64)).getBytes(StandardCharsets.UTF_8);

    private static final AtomicInteger REPOSITORIES = new AtomicInteger();

    /**
     * One server and one client for the class: the JDK server never answers the client's TLS hello, so the first
     * request to a new host waits for the 3 s handshake timeout before falling back to HTTP. Each test gets a
     * repository of its own, so tokens cached by earlier tests (keyed by repository scope) never apply.
     */
    private static FakeServer registry;

    private static RegistryClient client;

    private String repo;
    private String v2;
    private String scope;
    private Endpoint endpoint;

    @BeforeAll
    static void startServer() throws IOException {
        registry = new FakeServer();
        client = new RegistryClient();
    }

    @AfterAll
    static void stopServer() {
        registry.close();
    }

    @BeforeEach
    void freshRepository() {
        registry.reset();
        repo = "ns/repo" + REPOSITORIES.incrementAndGet();
        v2 = "/v2/" + repo;
        scope = "repository:" + repo + ":pull";
        endpoint = endpointAt(registry.port(), repo);
    }

    // ---- bearer token auth ----

    @Test
    void anonymousBearerFlow() throws Exception {
        registry.route("/token", ex -> respondJson(ex, 200, "{\"token\":\"anon-token\",\"expires_in\":300}"));
        registry.route(v2 + "/manifests/v1", ex -> {
            if (!"Bearer anon-token".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                challengeBearer(ex);
                return;
            }
            respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST);
        });

        FetchedManifest fetched = client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE);

        assertEquals(MediaTypes.OCI_MANIFEST, fetched.mediaType());
        assertArrayEquals(MANIFEST, fetched.body());
        assertEquals(new Digest("sha256", sha256(MANIFEST)), fetched.digest());

        List<Seen> manifests = registry.seen(v2 + "/manifests/v1");
        assertEquals(2, manifests.size());
        assertNull(manifests.get(0).authorization(), "the first request is anonymous");
        assertEquals("Bearer anon-token", manifests.get(1).authorization());
        assertTrue(manifests.get(0).headers().getFirst("Accept").contains(MediaTypes.OCI_INDEX));
        assertTrue(manifests.get(0).headers().getFirst("Accept").contains(MediaTypes.DOCKER_MANIFEST));

        List<Seen> tokens = registry.seen("/token");
        assertEquals(1, tokens.size());
        Seen token = tokens.getFirst();
        assertEquals("GET", token.method());
        assertEquals(Map.of("service", "test", "scope", scope), token.queryParameters());
        assertNull(token.authorization(), "no credentials, so an anonymous token request");
    }

    @Test
    void basicCredentialsAreSentToTheTokenRealmOnly() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        registry.route("/token", ex -> {
            if (basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                respondJson(ex, 200, "{\"token\":\"alice-token\",\"expires_in\":300}");
            } else {
                respondJson(ex, 401, "{\"details\":\"bad credentials\"}");
            }
        });
        registry.route(v2 + "/manifests/v1", ex -> {
            if (!"Bearer alice-token".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                challengeBearer(ex);
                return;
            }
            respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST);
        });

        client.fetchManifest(endpoint, "v1", new RegistryCredentials("alice", "s3cret", "", ""));

        assertEquals(
                List.of(basic),
                registry.seen("/token").stream().map(Seen::authorization).toList());
        for (Seen request : registry.seen(v2 + "/manifests/v1")) {
            String authorization = request.authorization();
            assertTrue(
                    authorization == null || authorization.equals("Bearer alice-token"),
                    "the registry never sees the password: " + authorization);
        }
    }

    @Test
    void tokenIsCachedAcrossRequests() throws Exception {
        registry.route("/token", ex -> respondJson(ex, 200, "{\"token\":\"cached-token\",\"expires_in\":300}"));
        registry.route(v2 + "/manifests/", ex -> {
            if (!"Bearer cached-token".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                challengeBearer(ex);
                return;
            }
            respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST);
        });

        client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE);
        client.fetchManifest(endpoint, "v2", RegistryCredentials.NONE);

        assertEquals(1, registry.seen("/token").size(), "the second fetch reuses the token");
        List<Seen> second = registry.seen(v2 + "/manifests/v2");
        assertEquals(1, second.size(), "the second fetch sends the token at once, with no 401 round trip");
        assertEquals("Bearer cached-token", second.getFirst().authorization());
    }

    @Test
    void tokensAreCachedPerIdentity() throws Exception {
        AtomicInteger issued = new AtomicInteger();
        registry.route(
                "/token",
                ex -> respondJson(ex, 200, "{\"token\":\"t" + issued.incrementAndGet() + "\",\"expires_in\":300}"));
        registry.route(v2 + "/manifests/v1", ex -> {
            String authorization = ex.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !authorization.startsWith("Bearer t")) {
                challengeBearer(ex);
                return;
            }
            respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST);
        });

        client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE);
        client.fetchManifest(endpoint, "v1", new RegistryCredentials("bob", "pw", "", ""));

        assertEquals(2, registry.seen("/token").size(), "bob does not get the anonymous token");
    }

    @Test
    void identityTokenIsExchangedWithARefreshTokenGrant() throws Exception {
        registry.route("/token", ex -> {
            if (!ex.getRequestMethod().equals("POST")) {
                respondJson(ex, 405, "{}");
                return;
            }
            respondJson(ex, 200, "{\"access_token\":\"oauth-token\",\"expires_in\":300}");
        });
        registry.route(v2 + "/manifests/v1", ex -> {
            if (!"Bearer oauth-token".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                challengeBearer(ex);
                return;
            }
            respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST);
        });

        client.fetchManifest(endpoint, "v1", new RegistryCredentials("", "", "refresh-me", ""));

        Seen exchange = registry.seen("/token").getFirst();
        assertEquals("POST", exchange.method());
        assertTrue(exchange.headers().getFirst("Content-Type").startsWith("application/x-www-form-urlencoded"));
        Map<String, String> form = parseForm(new String(exchange.body(), StandardCharsets.UTF_8));
        assertEquals("refresh_token", form.get("grant_type"));
        assertEquals("refresh-me", form.get("refresh_token"));
        assertEquals("test", form.get("service"));
        assertEquals(scope, form.get("scope"));
        assertFalse(form.get("client_id").isEmpty(), "the OAuth2 exchange names a client");
        assertNull(exchange.rawQuery(), "the refresh token travels in the body, not the URL");
        assertEquals(
                "Bearer oauth-token",
                registry.seen(v2 + "/manifests/v1").getLast().authorization());
    }

    @Test
    void registryTokenIsSentDirectly() throws Exception {
        registry.route("/token", ex -> respondJson(ex, 500, "{}"));
        registry.route(v2 + "/manifests/v1", ex -> {
            if (!"Bearer direct-token".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                challengeBearer(ex);
                return;
            }
            respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST);
        });

        client.fetchManifest(endpoint, "v1", new RegistryCredentials("", "", "", "direct-token"));

        assertEquals(
                List.of("Bearer direct-token"),
                registry.seen(v2 + "/manifests/v1").stream()
                        .map(Seen::authorization)
                        .toList());
        assertTrue(registry.seen("/token").isEmpty());
    }

    @Test
    void wrongCredentialsAtTheTokenServerAreUnauthorized() throws Exception {
        registry.route("/token", ex -> respondJson(ex, 401, "{\"details\":\"incorrect username or password\"}"));
        registry.route(v2 + "/manifests/v1", this::challengeBearer);

        RegistryException e = assertThrows(
                RegistryException.class,
                () -> client.fetchManifest(endpoint, "v1", new RegistryCredentials("alice", "wrong", "", "")));

        assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
        assertTrue(e.getMessage().contains(registry.host()), e.getMessage());
        assertTrue(e.getMessage().contains(repo), e.getMessage());
        assertFalse(e.getMessage().contains("wrong"), "the password is not in the message");
    }

    @Test
    void aTokenTheRegistryStillRefusesIsUnauthorized() throws Exception {
        registry.route("/token", ex -> respondJson(ex, 200, "{\"token\":\"useless\"}"));
        registry.route(v2 + "/manifests/v1", this::challengeBearer);

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
        assertEquals(1, registry.seen("/token").size(), "one challenge is answered, not an endless loop");
        assertEquals(2, registry.seen(v2 + "/manifests/v1").size());
    }

    @Test
    void aTokenServerFailureIsUnavailable() throws Exception {
        registry.route("/token", ex -> respondJson(ex, 502, "{}"));
        registry.route(v2 + "/manifests/v1", this::challengeBearer);

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("token service"), e.getMessage());
    }

    @Test
    void aTokenResponseWithoutATokenIsAProtocolError() throws Exception {
        registry.route("/token", ex -> respondJson(ex, 200, "{\"expires_in\":300}"));
        registry.route(v2 + "/manifests/v1", this::challengeBearer);

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.PROTOCOL, e.kind());
    }

    // ---- Basic auth ----

    @Test
    void basicChallengeWithCredentials() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString("carol:pa:ss".getBytes(StandardCharsets.UTF_8));
        registry.route(v2 + "/manifests/", ex -> {
            if (!basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"Registry Realm\"");
                respondJson(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"login\"}]}");
                return;
            }
            respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST);
        });
        RegistryCredentials carol = new RegistryCredentials("carol", "pa:ss", "", "");

        client.fetchManifest(endpoint, "v1", carol);
        client.fetchManifest(endpoint, "v2", carol);

        List<Seen> first = registry.seen(v2 + "/manifests/v1");
        assertEquals(2, first.size());
        assertNull(first.get(0).authorization());
        assertEquals(basic, first.get(1).authorization());
        assertEquals(
                List.of(basic),
                registry.seen(v2 + "/manifests/v2").stream()
                        .map(Seen::authorization)
                        .toList(),
                "Basic is remembered for the registry");
    }

    @Test
    void basicChallengeWithoutCredentialsIsUnauthorized() throws Exception {
        registry.route(v2 + "/manifests/v1", ex -> {
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"Registry Realm\"");
            respondJson(ex, 401, "{}");
        });

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
        assertTrue(e.getMessage().contains(registry.host()), e.getMessage());
        assertTrue(e.getMessage().contains(repo), e.getMessage());
        assertEquals(1, registry.seen(v2 + "/manifests/v1").size());
    }

    @Test
    void aChallengeWithoutAWwwAuthenticateHeaderIsUnauthorized() throws Exception {
        registry.route(v2 + "/manifests/v1", ex -> respondJson(ex, 401, "{}"));

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
        assertTrue(e.getMessage().contains(registry.host()), e.getMessage());
    }

    @Test
    void aMalformedChallengeIsUnauthorized() throws Exception {
        registry.route(v2 + "/manifests/v1", ex -> {
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"unterminated");
            respondJson(ex, 401, "{}");
        });

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
    }

    // ---- errors and retries ----

    @Test
    void notFoundCarriesTheRegistryErrorCode() throws Exception {
        registry.route(
                v2 + "/manifests/nope",
                ex -> respondJson(
                        ex, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}"));

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "nope", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("MANIFEST_UNKNOWN"), e.getMessage());
        assertTrue(e.getMessage().contains("manifest unknown"), e.getMessage());
        assertTrue(e.getMessage().contains(registry.host()), e.getMessage());
        assertEquals(1, registry.seen(v2 + "/manifests/nope").size(), "a 404 is not retried");
    }

    @Test
    void forbiddenIsDenied() throws Exception {
        registry.route(
                v2 + "/manifests/v1",
                ex -> respondJson(
                        ex,
                        403,
                        "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}"));

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.DENIED, e.kind());
        assertTrue(e.getMessage().contains("DENIED"), e.getMessage());
    }

    @Test
    void tooManyRequestsIsRateLimited() throws Exception {
        registry.route(
                v2 + "/manifests/v1",
                ex -> respondJson(ex, 429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}"));

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.RATE_LIMITED, e.kind());
        assertTrue(e.getMessage().contains("TOOMANYREQUESTS"), e.getMessage());
        assertEquals(1, registry.seen(v2 + "/manifests/v1").size(), "a 429 is not hammered");
    }

    @Test
    void transientServerErrorsAreRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        registry.route(v2 + "/manifests/v1", ex -> {
            if (calls.incrementAndGet() <= 2) {
                respondJson(ex, 503, "{}");
            } else {
                respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST);
            }
        });

        FetchedManifest fetched = client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE);

        assertArrayEquals(MANIFEST, fetched.body());
        assertEquals(3, registry.seen(v2 + "/manifests/v1").size());
    }

    @Test
    void aPersistentServerErrorIsUnavailableAfterThreeAttempts() throws Exception {
        registry.route(
                v2 + "/manifests/v1",
                ex -> respondJson(ex, 500, "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"database on fire\"}]}"));

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("500"), e.getMessage());
        assertTrue(e.getMessage().contains("database on fire"), e.getMessage());
        assertEquals(3, registry.seen(v2 + "/manifests/v1").size());
    }

    @Test
    void connectionRefusedIsUnavailableNamingTheHost() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Endpoint nowhere = endpointAt(closedPort, repo);

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(nowhere, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort), e.getMessage());
    }

    // ---- content verification ----

    @Test
    void manifestByDigestIsVerified() throws Exception {
        String digest = "sha256:" + sha256(MANIFEST);
        registry.route(
                v2 + "/manifests/" + digest,
                ex -> respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST));

        FetchedManifest fetched = client.fetchManifest(endpoint, digest, RegistryCredentials.NONE);

        assertEquals(Digest.parse(digest), fetched.digest());
        assertEquals(MediaTypes.OCI_MANIFEST, fetched.mediaType());
    }

    @Test
    void manifestByDigestWithOtherContentIsBadContent() throws Exception {
        String digest = "sha256:" + sha256("something else".getBytes(StandardCharsets.UTF_8));
        registry.route(
                v2 + "/manifests/" + digest,
                ex -> respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST));

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, digest, RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.BAD_CONTENT, e.kind());
        assertTrue(e.getMessage().contains(sha256(MANIFEST)), "names the digest actually served: " + e.getMessage());
    }

    @Test
    void mediaTypeFallsBackToContentType() throws Exception {
        byte[] noMediaType = "{\"schemaVersion\":2,\"layers\":[]}".getBytes(StandardCharsets.UTF_8);
        registry.route(
                v2 + "/manifests/v1",
                ex -> respond(
                        ex, 200, "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8", noMediaType));

        assertEquals(
                MediaTypes.DOCKER_MANIFEST,
                client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE).mediaType());
    }

    @Test
    void aManifestThatIsNotJsonIsBadContent() throws Exception {
        registry.route(
                v2 + "/manifests/v1",
                ex -> respond(ex, 200, "text/html", "<html>captive portal</html>".getBytes(StandardCharsets.UTF_8)));

        RegistryException e = assertThrows(
                RegistryException.class, () -> client.fetchManifest(endpoint, "v1", RegistryCredentials.NONE));

        assertEquals(RegistryException.Kind.BAD_CONTENT, e.kind());
    }

    @Test
    void blobRedirectIsFollowedWithoutTheRegistryAuthorization() throws Exception {
        byte[] blob = "layer bytes from object storage".getBytes(StandardCharsets.UTF_8);
        Digest digest = new Digest("sha256", sha256(blob));
        try (FakeServer storage = new FakeServer()) {
            storage.route("/bucket/", ex -> respond(ex, 200, "application/octet-stream", blob));
            registry.route("/token", ex -> respondJson(ex, 200, "{\"token\":\"blob-token\",\"expires_in\":300}"));
            registry.route(v2 + "/blobs/" + digest, ex -> {
                if (!"Bearer blob-token".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                    challengeBearer(ex);
                    return;
                }
                ex.getResponseHeaders()
                        .add("Location", "http://" + storage.host() + "/bucket/" + digest.hex() + "?signature=abc");
                respond(ex, 307, null, new byte[0]);
            });

            byte[] read;
            try (VerifyingInputStream in = client.openBlob(endpoint, digest, blob.length, RegistryCredentials.NONE)) {
                read = in.readAllBytes();
                assertTrue(in.verified());
                assertEquals(blob.length, in.count());
            }

            assertArrayEquals(blob, read);
            assertEquals(
                    "Bearer blob-token", registry.seen(v2 + "/blobs/").getLast().authorization());
            List<Seen> fetched = storage.seen("/bucket/");
            assertEquals(1, fetched.size());
            assertEquals("signature=abc", fetched.getFirst().rawQuery());
            assertNull(fetched.getFirst().authorization(), "the redirect target must not get the registry token");
        }
    }

    @Test
    void relativeRedirectsAreResolvedAndLoopsEnd() throws Exception {
        byte[] blob = "relative".getBytes(StandardCharsets.UTF_8);
        Digest digest = new Digest("sha256", sha256(blob));
        registry.route(v2 + "/blobs/" + digest, ex -> {
            ex.getResponseHeaders().add("Location", "/storage/hop1");
            respond(ex, 302, null, new byte[0]);
        });
        registry.route("/storage/hop1", ex -> {
            ex.getResponseHeaders().add("Location", "hop2");
            respond(ex, 303, null, new byte[0]);
        });
        registry.route("/storage/hop2", ex -> respond(ex, 200, "application/octet-stream", blob));

        assertArrayEquals(blob, client.fetchBlob(endpoint, digest, blob.length, RegistryCredentials.NONE, 1024));

        Digest looping = new Digest("sha256", "1".repeat(64));
        registry.route(v2 + "/blobs/" + looping, ex -> {
            ex.getResponseHeaders().add("Location", v2 + "/blobs/" + looping);
            respond(ex, 307, null, new byte[0]);
        });
        RegistryException e = assertThrows(
                RegistryException.class, () -> client.openBlob(endpoint, looping, 1, RegistryCredentials.NONE));
        assertEquals(RegistryException.Kind.PROTOCOL, e.kind());
    }

    @Test
    void aBlobWhoseBytesDoNotMatchItsDigestFailsAtEof() throws Exception {
        byte[] served = "tampered content".getBytes(StandardCharsets.UTF_8);
        Digest digest = new Digest("sha256", sha256("original content".getBytes(StandardCharsets.UTF_8)));
        registry.route(v2 + "/blobs/", ex -> respond(ex, 200, "application/octet-stream", served));

        try (VerifyingInputStream in = client.openBlob(endpoint, digest, served.length, RegistryCredentials.NONE)) {
            byte[] buffer = new byte[served.length];
            assertEquals(served.length, in.readNBytes(buffer, 0, served.length), "the bytes stream through");
            RegistryException e = assertThrows(RegistryException.class, in::read);
            assertEquals(RegistryException.Kind.BAD_CONTENT, e.kind());
            assertTrue(e.getMessage().contains(digest.toString()), e.getMessage());
            assertFalse(in.verified());
        }
        RegistryException whole = assertThrows(
                RegistryException.class,
                () -> client.fetchBlob(endpoint, digest, served.length, RegistryCredentials.NONE, 1024));
        assertEquals(RegistryException.Kind.BAD_CONTENT, whole.kind());
    }

    @Test
    void aBlobShorterThanItsSizeFailsAtEof() throws Exception {
        byte[] served = "short".getBytes(StandardCharsets.UTF_8);
        Digest digest = new Digest("sha256", sha256(served));
        registry.route(v2 + "/blobs/", ex -> respond(ex, 200, "application/octet-stream", served));

        try (VerifyingInputStream in =
                client.openBlob(endpoint, digest, served.length + 10, RegistryCredentials.NONE)) {
            RegistryException e = assertThrows(RegistryException.class, in::readAllBytes);
            assertEquals(RegistryException.Kind.BAD_CONTENT, e.kind());
            assertTrue(e.getMessage().contains("ended after 5 of 15 bytes"), e.getMessage());
        }
    }

    @Test
    void aBlobLongerThanItsSizeFailsAsSoonAsItRunsOver() throws Exception {
        byte[] served = new byte[100_000];
        Digest digest = new Digest("sha256", sha256(served));
        registry.route(v2 + "/blobs/", ex -> respond(ex, 200, "application/octet-stream", served));

        try (VerifyingInputStream in = client.openBlob(endpoint, digest, 1000, RegistryCredentials.NONE)) {
            RegistryException e = assertThrows(RegistryException.class, () -> in.readNBytes(2000));
            assertEquals(RegistryException.Kind.BAD_CONTENT, e.kind());
            assertTrue(e.getMessage().contains("longer than the 1000 bytes"), e.getMessage());
            assertTrue(in.count() < served.length, "fails before the end");
        }
    }

    @Test
    void fetchBlobRefusesADescriptorLargerThanAllowed() throws Exception {
        RegistryException e = assertThrows(
                RegistryException.class,
                () -> client.fetchBlob(
                        endpoint, new Digest("sha256", "2".repeat(64)), 10_000, RegistryCredentials.NONE, 100));
        assertEquals(RegistryException.Kind.BAD_CONTENT, e.kind());
        assertTrue(registry.seen("/v2/").isEmpty(), "nothing is fetched");
    }

    @Test
    void anInsecureRegistryFallsBackToHttpOnceAndRemembersIt() throws Exception {
        registry.route(
                v2 + "/manifests/", ex -> respond(ex, 200, "application/vnd.oci.image.manifest.v1+json", MANIFEST));
        RegistryClient fresh = new RegistryClient();

        fresh.fetchManifest(endpoint, "v1", RegistryCredentials.NONE);
        long start = System.nanoTime();
        fresh.fetchManifest(endpoint, "v2", RegistryCredentials.NONE);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(millis < 2000, "the second request skips the HTTPS attempt, took " + millis + " ms");
        assertEquals(1, registry.seen(v2 + "/manifests/v1").size(), "the TLS attempt is no HTTP request");
        assertEquals(1, registry.seen(v2 + "/manifests/v2").size());
    }

    // ---- VerifyingInputStream on its own ----

    @Test
    void verifyingStreamAcceptsMatchingContentByteByByte() throws IOException {
        byte[] content = "abc".getBytes(StandardCharsets.UTF_8);
        Digest digest = new Digest("sha256", sha256(content));
        try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(content), digest, 3, "blob")) {
            assertEquals('a', in.read());
            assertEquals(1, in.skip(1));
            assertEquals('c', in.read());
            assertFalse(in.verified());
            assertEquals(-1, in.read());
            assertTrue(in.verified());
            assertEquals(-1, in.read(), "reading past EOF again stays quiet once verified");
        }
    }

    @Test
    void verifyingStreamWithUnknownSizeChecksTheDigestOnly() throws IOException {
        byte[] content = new byte[200_000];
        content[12345] = 7;
        Digest digest = new Digest("sha256", sha256(content));
        try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(content), digest, -1, "x")) {
            in.drainAndVerify();
            assertTrue(in.verified());
            assertEquals(content.length, in.count());
        }
        content[0] = 1;
        try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(content), digest, -1, "x")) {
            assertThrows(RegistryException.class, in::drainAndVerify);
        }
    }

    @Test
    void verifyingStreamSupportsOtherAlgorithms() throws Exception {
        byte[] content = "sha512 content".getBytes(StandardCharsets.UTF_8);
        Digest digest = new Digest(
                "sha512",
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(content)));
        try (VerifyingInputStream in =
                new VerifyingInputStream(new ByteArrayInputStream(content), digest, content.length, "blob")) {
            in.transferTo(OutputStream.nullOutputStream());
            assertTrue(in.verified());
        }
    }

    // ---- credentials ----

    @Test
    void credentialsNeverShowSecrets() {
        RegistryCredentials all = new RegistryCredentials("alice", "hunter2-password", "identity-zzz", "bearer-yyy");
        String text = all.toString();
        assertTrue(text.contains("alice"), text);
        assertFalse(text.contains("hunter2-password"), text);
        assertFalse(text.contains("identity-zzz"), text);
        assertFalse(text.contains("bearer-yyy"), text);
        assertFalse(
                new RegistryCredentials("", "", "", "lonely-token").toString().contains("lonely-token"));
        assertFalse(String.valueOf(List.of(all)).contains("hunter2-password"));
        assertFalse(all.identityKey().contains("hunter2-password"));
        assertEquals("RegistryCredentials[anonymous]", RegistryCredentials.NONE.toString());
    }

    @Test
    void credentialsFromCriDecodeAuth() {
        String auth = Base64.getEncoder().encodeToString("dave:pass:with:colons".getBytes(StandardCharsets.UTF_8));
        RegistryCredentials decoded = RegistryCredentials.fromCri("", "", auth, null, null);
        assertEquals("dave", decoded.username());
        assertEquals("pass:with:colons", decoded.password());
        assertTrue(decoded.hasBasic());
        assertFalse(decoded.toString().contains("pass:with:colons"));

        RegistryCredentials explicit = RegistryCredentials.fromCri("erin", "pw", auth, "", "");
        assertEquals("erin", explicit.username(), "separate fields win over auth");

        assertTrue(RegistryCredentials.fromCri(null, null, null, null, null).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> RegistryCredentials.fromCri("", "", "!!!", "", ""));
        String noColon = Base64.getEncoder().encodeToString("nocolon".getBytes(StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> RegistryCredentials.fromCri("", "", noColon, "", ""));
    }

    // ---- helpers ----

    private static Endpoint endpointAt(int port, String repository) {
        return new Endpoint(ImageReference.parse("127.0.0.1:" + port + "/" + repository + ":tag"), true, false);
    }

    private void challengeBearer(HttpExchange ex) throws IOException {
        ex.getResponseHeaders()
                .add(
                        "WWW-Authenticate",
                        "Bearer realm=\"http://" + registry.host() + "/token\"," + "service=\"test\",scope=\"" + scope
                                + "\"");
        respondJson(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
    }

    private static void respondJson(HttpExchange ex, int status, String json) throws IOException {
        respond(ex, status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        if (contentType != null) {
            ex.getResponseHeaders().set("Content-Type", contentType);
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, String> parseForm(String form) {
        Map<String, String> out = new HashMap<>();
        if (form == null || form.isEmpty()) {
            return out;
        }
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            out.put(
                    URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** One request the fake server received. */
    record Seen(String method, String path, String rawQuery, Headers headers, byte[] body) {
        String authorization() {
            return headers.getFirst("Authorization");
        }

        Map<String, String> queryParameters() {
            return parseForm(rawQuery);
        }
    }

    @FunctionalInterface
    interface Route {
        void handle(HttpExchange exchange) throws IOException;
    }

    /** An HTTP server on 127.0.0.1 that answers by path prefix (longest first) and records every request. */
    static final class FakeServer implements AutoCloseable {
        private final HttpServer server;
        private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        private final Map<String, Route> routes = new ConcurrentHashMap<>();
        private final List<Seen> seen = new CopyOnWriteArrayList<>();

        FakeServer() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
            server.createContext("/", this::handle);
            server.setExecutor(executor);
            server.start();
        }

        void reset() {
            routes.clear();
            seen.clear();
        }

        void route(String pathPrefix, Route route) {
            routes.put(pathPrefix, route);
        }

        int port() {
            return server.getAddress().getPort();
        }

        String host() {
            return "127.0.0.1:" + port();
        }

        /** Requests whose path starts with {@code pathPrefix}, in arrival order. */
        List<Seen> seen(String pathPrefix) {
            return seen.stream().filter(s -> s.path().startsWith(pathPrefix)).toList();
        }

        private void handle(HttpExchange ex) throws IOException {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                String path = ex.getRequestURI().getRawPath();
                seen.add(new Seen(
                        ex.getRequestMethod(),
                        path,
                        ex.getRequestURI().getRawQuery(),
                        copy(ex.getRequestHeaders()),
                        body));
                Route route = routes.entrySet().stream()
                        .filter(e -> path.startsWith(e.getKey()))
                        .max(Comparator.comparingInt(e -> e.getKey().length()))
                        .map(Map.Entry::getValue)
                        .orElse(null);
                if (route == null) {
                    respondJson(ex, 404, "{\"errors\":[{\"code\":\"NOT_ROUTED\",\"message\":\"" + path + "\"}]}");
                    return;
                }
                try {
                    route.handle(ex);
                } catch (RuntimeException | IOException e) {
                    e.printStackTrace();
                    throw e;
                }
            }
        }

        private static Headers copy(Headers headers) {
            Headers out = new Headers();
            headers.forEach((k, v) -> out.put(k, List.copyOf(v)));
            return out;
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
