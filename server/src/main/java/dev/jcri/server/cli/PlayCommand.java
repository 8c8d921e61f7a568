package dev.jcri.server.cli;

import dev.jcri.server.play.CriEndpoint;
import dev.jcri.server.play.ManifestReader;
import dev.jcri.server.play.Manifests;
import dev.jcri.server.play.NodeFacts;
import dev.jcri.server.play.PlayException;
import dev.jcri.server.play.PodFollower;
import dev.jcri.server.play.PodRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jcri play}: Kubernetes Pod manifests run over a CRI socket as kubelet would run them. */
@Command(
        name = "play",
        mixinStandardHelpOptions = true,
        description = {
            "Run the v1 Pods of a YAML/JSON manifest (with the ConfigMaps and Secrets they use) over the CRI socket,"
                    + " translated and ordered the way kubelet does it.",
            "Returns once the pods run and prints their IDs; --follow stays in the foreground."
        })
final class PlayCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "Manifest file, or - for standard input.")
    String file;

    @Option(
            names = "--endpoint",
            paramLabel = "ENDPOINT",
            description = "CRI socket: unix:///path or /path (default: ${DEFAULT-VALUE}).",
            defaultValue = CriEndpoint.DEFAULT)
    String endpoint;

    @Option(names = "--down", description = "Stop and remove what the manifest's pods run (idempotent).")
    boolean down;

    @Option(
            names = "--follow",
            description = "Stay in the foreground: stream logs, restart per restartPolicy, run probes; Ctrl-C stops"
                    + " and removes the pods.")
    boolean follow;

    @Option(names = "--keep-failed", description = "Leave a pod that failed to start for inspection.")
    boolean keepFailed;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "Where pod volumes are made (default: ${DEFAULT-VALUE}).",
            defaultValue = "/var/lib/jcri-play")
    Path stateDir;

    @Option(
            names = "--pod-logs-dir",
            paramLabel = "DIR",
            description = "Root of the pods' log directories (default: ${DEFAULT-VALUE}).",
            defaultValue = "/var/log/pods")
    Path podLogsDir;

    @Option(names = "--node-name", paramLabel = "NAME", description = "spec.nodeName (default: the host name).")
    String nodeName;

    @Option(
            names = "--cluster-dns",
            paramLabel = "IP",
            split = ",",
            description = "Cluster DNS servers for ClusterFirst pods (default: none, so the host's resolv.conf).")
    List<String> clusterDns = List.of();

    @Option(
            names = "--cluster-domain",
            paramLabel = "DOMAIN",
            description = "Cluster domain (default: ${DEFAULT-VALUE}).",
            defaultValue = "cluster.local")
    String clusterDomain;

    @Option(
            names = "--resolv-conf",
            paramLabel = "FILE",
            description = "The host's resolver config (default: ${DEFAULT-VALUE}).",
            defaultValue = "/etc/resolv.conf")
    Path resolvConf;

    /** Tests shorten kubelet's 10 s initial back-off; the doubling and the 5 min cap scale with it. */
    @Option(names = "--backoff-initial", hidden = true, paramLabel = "MILLIS", defaultValue = "10000")
    long backoffInitialMillis;

    @Override
    public Integer call() {
        try {
            String text = file.equals("-")
                    ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
            Manifests manifests = new ManifestReader().read(text);
            NodeFacts node = NodeFacts.detect(nodeName, resolvConf, clusterDns, clusterDomain, podLogsDir);
            try (CriEndpoint cri = CriEndpoint.open(endpoint)) {
                PodRunner runner = new PodRunner(
                        cri,
                        node,
                        stateDir,
                        keepFailed,
                        follow ? Duration.ofMillis(backoffInitialMillis) : null,
                        System.out);
                if (down) {
                    runner.down(manifests);
                    return 0;
                }
                List<PodRunner.RunningPod> pods = runner.up(manifests);
                if (follow) {
                    return new PodFollower(runner, manifests, Duration.ofMillis(backoffInitialMillis), System.out)
                            .follow(pods);
                }
                return 0;
            }
        } catch (PlayException e) {
            System.err.println("jcri play: " + e.getMessage());
            return JcriCommand.EXIT_FAILED;
        } catch (IOException e) {
            System.err.println("jcri play: " + e.getMessage());
            return JcriCommand.EXIT_FAILED;
        } catch (io.grpc.StatusRuntimeException e) {
            System.err.println("jcri play: "
                    + (e.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE
                            ? "cannot reach the CRI at " + endpoint + " (is jcri running?): "
                            : endpoint + ": ")
                    + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return JcriCommand.EXIT_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JcriCommand.EXIT_FAILED;
        }
    }
}
