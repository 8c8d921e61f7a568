package dev.jcri.server.play;

import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One probe action as kubelet runs it: exec through ExecSync in the container, a TCP connect or an HTTP GET to the
 * pod's IP (the host's for host-network pods), each within {@code timeoutSeconds}. HTTP counts 200-399 as success.
 */
final class ContainerProbe {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    private ContainerProbe() {}

    /** Null when the probe succeeded, else why it failed. */
    static String run(
            Probe probe,
            Container container,
            String containerId,
            String podIp,
            RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime) {
        int timeout = probe.getTimeoutSeconds();
        try {
            if (probe.getExec() != null) {
                ExecSyncResponse response = runtime.withDeadlineAfter(timeout + 5L, TimeUnit.SECONDS)
                        .execSync(ExecSyncRequest.newBuilder()
                                .setContainerId(containerId)
                                .addAllCmd(probe.getExec().getCommand())
                                .setTimeout(timeout)
                                .build());
                return response.getExitCode() == 0 ? null : "exec exited with " + response.getExitCode();
            }
            if (probe.getTcpSocket() != null) {
                String host = orDefault(probe.getTcpSocket().getHost(), podIp);
                int port = port(probe.getTcpSocket().getPort(), container);
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(host, port), timeout * 1000);
                }
                return null;
            }
            var get = probe.getHttpGet();
            String host = orDefault(get.getHost(), podIp);
            URI uri = URI.create(get.getScheme().toLowerCase() + "://" + (host.contains(":") ? "[" + host + "]" : host)
                    + ":" + port(get.getPort(), container) + (get.getPath().startsWith("/") ? "" : "/")
                    + get.getPath());
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(timeout))
                    .GET();
            request.header("User-Agent", "kube-probe/jcri-play");
            for (HTTPHeader header : get.getHttpHeaders()) {
                request.setHeader(header.getName(), header.getValue());
            }
            int status = HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            return status >= 200 && status < 400 ? null : "HTTP status " + status;
        } catch (StatusRuntimeException e) {
            return "exec: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        } catch (IOException | IllegalArgumentException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** A number, or the name of one of the container's ports. */
    private static int port(IntOrString port, Container container) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        for (ContainerPort p : container.getPorts()) {
            if (port.getStrVal().equals(p.getName())) {
                return p.getContainerPort();
            }
        }
        throw new IllegalArgumentException("no port named \"" + port.getStrVal() + "\"");
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
