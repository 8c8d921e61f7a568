package dev.jcri.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics HTTP server: {@code /metrics} in the Prometheus text format, and {@code /healthz}, which answers 200
 * only when the CRI socket itself answers (a live JVM with a wedged gRPC server is not healthy).
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    private final HttpServer server;

    public MetricsServer(String hostPort, PrometheusRegistry registry, BooleanSupplier criAnswers) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon).replaceAll("^\\[|]$", "");
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (IOException e) {
            throw new IOException("metrics server cannot listen on " + hostPort + ": " + e.getMessage(), e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        ExpositionFormats formats = ExpositionFormats.init();
        server.createContext("/metrics", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            formats.getPrometheusTextFormatWriter().write(body, registry.scrape());
            respond(exchange, 200, formats.getPrometheusTextFormatWriter().getContentType(), body.toByteArray());
        });
        server.createContext("/healthz", exchange -> {
            boolean healthy = criAnswers.getAsBoolean();
            respond(
                    exchange,
                    healthy ? 200 : 503,
                    "text/plain; charset=utf-8",
                    (healthy ? "ok\n" : "the CRI socket does not answer\n").getBytes(StandardCharsets.UTF_8));
        });
        server.createContext(
                "/",
                exchange -> respond(
                        exchange,
                        404,
                        "text/plain; charset=utf-8",
                        "404 page not found\n".getBytes(StandardCharsets.UTF_8)));
    }

    public MetricsServer start() {
        server.start();
        log.info(
                "metrics server listening on {}:{}",
                server.getAddress().getHostString(),
                server.getAddress().getPort());
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        try (exchange;
                OutputStream out = exchange.getResponseBody()) {
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
