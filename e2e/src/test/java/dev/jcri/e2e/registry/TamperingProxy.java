package dev.jcri.e2e.registry;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 reverse proxy on {@code 127.0.0.1:<free port>} in front of a registry. It forwards each request as
 * it came (method, path, query, headers but Host, body) and the answer as it came, except:
 * <ul>
 *   <li>{@code GET /v2/<name>/blobs/<digest>} for a digest given to {@link #corruptBlob}: one byte in the middle
 *       of the blob is flipped (same length, same headers, so only a digest check notices); for a 206 answer the
 *       same byte of the blob is flipped if the range holds it;</li>
 *   <li>{@link #failNext}: answer a path with an error status without asking the registry;</li>
 *   <li>{@link #delay}: hold answers for a path (so that concurrent pulls overlap);</li>
 *   <li>{@link #stallBlob}: send the first half of a blob's body, then nothing until {@link #close} (a registry
 *       that stops mid-blob); {@link #trickleBlob}: send a blob's body in small pieces with pauses between;</li>
 *   <li>{@code Location} headers pointing at the registry are rewritten to point at the proxy.</li>
 * </ul>
 * Every request is counted by path ({@link #requestCount}) and logged ({@link #requestLog}). Redirects are not
 * followed: the registry's filesystem storage serves blobs itself.
 */
public final class TamperingProxy implements AutoCloseable {
    private static final Pattern BLOB_PATH = Pattern.compile("^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)");
    /** Hop-by-hop headers and those the JDK client or server set themselves. */
    private static final Set<String> REQUEST_HEADERS_NOT_FORWARDED = Set.of(
            "host",
            "connection",
            "content-length",
            "expect",
            "upgrade",
            "transfer-encoding",
            "keep-alive",
            "te",
            "trailer",
            "proxy-connection");

    private static final Set<String> RESPONSE_HEADERS_NOT_FORWARDED =
            Set.of("connection", "content-length", "transfer-encoding", "keep-alive", "date", "trailer", "upgrade");

    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient http;
    private final Set<String> corrupted = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Map<String, Duration> delays = new ConcurrentHashMap<>();
    private final List<Failure> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger tampered = new AtomicInteger();
    private final Map<String, Pace> paces = new ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    /** How a blob's body is sent: {@code chunk} bytes every {@code pause}; a null pause stalls after half. */
    private record Pace(int chunk, Duration pause) {}

    private record Failure(String pathSuffix, int status, AtomicInteger remaining) {}

    private TamperingProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static TamperingProxy start(LocalRegistry registry) throws IOException {
        return start(registry.url());
    }

    /** {@code upstreamUrl} like {@code http://127.0.0.1:5000}. */
    public static TamperingProxy start(String upstreamUrl) throws IOException {
        String u = upstreamUrl.endsWith("/") ? upstreamUrl.substring(0, upstreamUrl.length() - 1) : upstreamUrl;
        return new TamperingProxy(URI.create(u));
    }

    /** {@code 127.0.0.1:PORT}, the registry host to pull through the proxy. */
    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://" + hostPort();
    }

    /** From now on, GETs of this blob ({@code sha256:...}) come back with one byte flipped. */
    public void corruptBlob(String digest) {
        corrupted.add(digest);
    }

    public void stopCorrupting(String digest) {
        corrupted.remove(digest);
    }

    public Set<String> corruptedDigests() {
        return Set.copyOf(corrupted);
    }

    /** How many blob bodies were altered so far. */
    public int tamperedResponses() {
        return tampered.get();
    }

    /** GETs of this blob send half its body, then hold the connection open without a byte until {@link #close}. */
    public void stallBlob(String digest) {
        paces.put(digest, new Pace(0, null));
    }

    /** GETs of this blob send {@code chunk} bytes every {@code pause}. */
    public void trickleBlob(String digest, int chunk, Duration pause) {
        paces.put(digest, new Pace(chunk, pause));
    }

    /** The next {@code times} requests whose path ends with {@code pathSuffix} get {@code status}, not forwarded. */
    public void failNext(String pathSuffix, int status, int times) {
        failures.add(new Failure(pathSuffix, status, new AtomicInteger(times)));
    }

    /** Answers to paths ending with {@code pathSuffix} wait {@code delay} first; {@link Duration#ZERO} removes it. */
    public void delay(String pathSuffix, Duration delay) {
        if (delay.isZero()) {
            delays.remove(pathSuffix);
        } else {
            delays.put(pathSuffix, delay);
        }
    }

    /** Requests (any method) whose path (no query) ends with {@code pathSuffix}, since start or reset. */
    public int requestCount(String pathSuffix) {
        return requestCount(null, pathSuffix);
    }

    /** As {@link #requestCount(String)}, for one method ({@code GET}, {@code HEAD}, ...); null for any. */
    public int requestCount(String method, String pathSuffix) {
        int n = 0;
        for (Map.Entry<String, AtomicInteger> e : counts.entrySet()) {
            int space = e.getKey().indexOf(' ');
            String m = e.getKey().substring(0, space);
            String path = e.getKey().substring(space + 1);
            if ((method == null || method.equalsIgnoreCase(m)) && path.endsWith(pathSuffix)) {
                n += e.getValue().get();
            }
        }
        return n;
    }

    /** {@code "GET /v2/... -> 200 (1234 bytes)"} per request, in order of completion. */
    public List<String> requestLog() {
        return Collections.unmodifiableList(new ArrayList<>(log));
    }

    public void resetCounts() {
        counts.clear();
        log.clear();
        tampered.set(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String rawPath = ex.getRequestURI().getRawPath();
        String rawQuery = ex.getRequestURI().getRawQuery();
        counts.computeIfAbsent(method + " " + rawPath, k -> new AtomicInteger()).incrementAndGet();
        try {
            byte[] requestBody = ex.getRequestBody().readAllBytes();
            Duration d = delayFor(rawPath);
            if (d != null) {
                Thread.sleep(d);
            }
            Failure f = failureFor(rawPath);
            if (f != null) {
                byte[] body = ("{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"injected by TamperingProxy\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                respond(ex, method, f.status(), body, -1);
                log.add(method + " " + rawPath + " -> " + f.status() + " (injected)");
                return;
            }

            URI target = URI.create(upstream + rawPath + (rawQuery == null ? "" : "?" + rawQuery));
            HttpRequest.Builder req = HttpRequest.newBuilder(target)
                    .timeout(Duration.ofMinutes(2))
                    .method(
                            method,
                            requestBody.length == 0 && !hasBody(ex.getRequestHeaders())
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(requestBody));
            for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
                if (!REQUEST_HEADERS_NOT_FORWARDED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    for (String v : h.getValue()) {
                        req.header(h.getKey(), v);
                    }
                }
            }
            HttpResponse<byte[]> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] body = resp.body();
            int status = resp.statusCode();

            Matcher blob = BLOB_PATH.matcher(rawPath);
            boolean altered = false;
            if (method.equals("GET") && blob.matches() && corrupted.contains(blob.group(2)) && body.length > 0) {
                altered = corrupt(
                        status, resp.headers().firstValue("Content-Range").orElse(null), body);
            }

            Headers out = ex.getResponseHeaders();
            for (Map.Entry<String, List<String>> h : resp.headers().map().entrySet()) {
                String name = h.getKey().toLowerCase(Locale.ROOT);
                if (RESPONSE_HEADERS_NOT_FORWARDED.contains(name) || name.startsWith(":")) {
                    continue;
                }
                for (String v : h.getValue()) {
                    out.add(h.getKey(), name.equals("location") ? rewriteLocation(v) : v);
                }
            }
            long headContentLength =
                    resp.headers().firstValueAsLong("Content-Length").orElse(-1);
            Pace pace = method.equals("GET") && blob.matches() && status == 200 ? paces.get(blob.group(2)) : null;
            if (pace != null && body.length > 1) {
                paced(ex, body, pace);
                log.add(method + " " + rawPath + " -> " + status + " (paced " + pace + ")");
                return;
            }
            respond(ex, method, status, body, headContentLength);
            log.add(method + " " + rawPath + " -> " + status + " (" + body.length + " bytes"
                    + (altered ? ", one byte flipped" : "") + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.add(method + " " + rawPath + " -> interrupted");
        } catch (IOException e) {
            log.add(method + " " + rawPath + " -> proxy error " + e);
            try {
                respond(ex, method, 502, ("proxy error: " + e).getBytes(StandardCharsets.UTF_8), -1);
            } catch (IOException | RuntimeException ignored) {
                // headers already sent, or the client is gone
            }
        } finally {
            ex.close();
        }
    }

    private void paced(HttpExchange ex, byte[] body, Pace pace) throws IOException, InterruptedException {
        ex.sendResponseHeaders(200, body.length);
        OutputStream os = ex.getResponseBody();
        if (pace.pause() == null) {
            os.write(body, 0, body.length / 2);
            os.flush();
            closing.await();
            return;
        }
        for (int offset = 0; offset < body.length; offset += pace.chunk()) {
            os.write(body, offset, Math.min(pace.chunk(), body.length - offset));
            os.flush();
            if (closing.await(pace.pause().toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
        }
        os.close();
    }

    /** Flips the byte at the middle of the blob, if this answer holds it. */
    private boolean corrupt(int status, String contentRange, byte[] body) {
        int index;
        if (status == 200) {
            index = body.length / 2;
        } else if (status == 206 && contentRange != null) {
            Matcher m = CONTENT_RANGE.matcher(contentRange);
            if (!m.matches()) {
                return false;
            }
            long first = Long.parseLong(m.group(1));
            long middle = Long.parseLong(m.group(3)) / 2;
            if (middle < first || middle - first >= body.length) {
                return false;
            }
            index = (int) (middle - first);
        } else {
            return false;
        }
        body[index] ^= (byte) 0xFF;
        tampered.incrementAndGet();
        return true;
    }

    private static void respond(HttpExchange ex, String method, int status, byte[] body, long headContentLength)
            throws IOException {
        if (method.equals("HEAD")) {
            // the JDK server sends no Content-Length for HEAD by itself; the client reads a blob's size from it
            if (headContentLength >= 0) {
                ex.getResponseHeaders().set("Content-Length", Long.toString(headContentLength));
            }
            ex.sendResponseHeaders(status, -1);
            return;
        }
        boolean noBody = body.length == 0 || status == 204 || status == 304 || (status >= 100 && status < 200);
        ex.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }

    private static boolean hasBody(Headers h) {
        String len = h.getFirst("Content-Length");
        return (len != null && !len.equals("0")) || h.containsKey("Transfer-Encoding");
    }

    private String rewriteLocation(String location) {
        return location.startsWith(upstream.toString())
                ? url() + location.substring(upstream.toString().length())
                : location;
    }

    private Duration delayFor(String path) {
        for (Map.Entry<String, Duration> e : delays.entrySet()) {
            if (path.endsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }

    private Failure failureFor(String path) {
        for (Failure f : failures) {
            if (path.endsWith(f.pathSuffix()) && f.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return f;
            }
        }
        return null;
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
        http.shutdownNow();
    }

    @Override
    public String toString() {
        return "TamperingProxy[" + url() + " -> " + upstream + "]";
    }
}
