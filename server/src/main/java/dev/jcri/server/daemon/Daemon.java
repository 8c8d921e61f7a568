package dev.jcri.server.daemon;

import dev.jcri.sandbox.cgroup.CgroupLayout;
import dev.jcri.sandbox.cgroup.HybridHierarchyRepair;
import dev.jcri.server.JcriVersion;
import dev.jcri.server.config.NodeConfig;
import dev.jcri.server.grpc.CriServer;
import dev.jcri.server.metrics.CriHealth;
import dev.jcri.server.metrics.MetricsServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The daemon's life: claim the state dirs and the socket, serve, and on SIGTERM/SIGINT drain and exit 0.
 *
 * <p>Signals are taken over from the JVM's default handling, which would exit 143 after the shutdown hooks; an
 * orderly stop is a success for the service manager, so jcri returns 0 from main instead.
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final NodeConfig config;
    private final CountDownLatch stopRequested = new CountDownLatch(1);

    public Daemon(NodeConfig config) {
        this.config = config;
    }

    public void run() throws IOException, InterruptedException {
        // First of all, so that a SIGTERM during startup still ends in an orderly stop.
        installSignalHandlers();
        createStateDir(config.root());
        createStateDir(config.runroot());
        try (StateDirLock rootLock = StateDirLock.acquire(config.root());
                StateDirLock runrootLock = StateDirLock.acquire(config.runroot());
                ServiceNotifier notifier = ServiceNotifier.fromEnvironment()) {
            CriSocket.claim(config.listen());
            repairCgroupHierarchy();
            notifier.status("recovering containers and pods");

            NodeServices services = NodeServices.create(config);
            Signal.handle(new Signal("HUP"), signal -> Thread.ofVirtual().start(services::reloadRegistries));
            CriServer server = new CriServer(config.listen(), services.grpcServices(), services.metrics());
            server.start();
            CriHealth health = new CriHealth(config.listen());
            MetricsServer metrics = null;
            try {
                CriSocket.lockDown(config.listen());
                if (config.metricsEnabled()) {
                    metrics = new MetricsServer(
                                    config.metricsAddress(), services.metrics().registry(), health)
                            .start();
                }
                log.info(
                        "jcri ready version={} listen={} root={} runroot={} pid={}",
                        JcriVersion.version(),
                        config.listen(),
                        config.root(),
                        config.runroot(),
                        ProcessHandle.current().pid());
                notifier.ready("serving CRI on " + config.listen() + " (cgroup driver " + config.cgroupManager() + ")");
                stopRequested.await();
                notifier.stopping();
                log.info("stopping grace_seconds={}", config.shutdownGraceSeconds());
            } finally {
                if (metrics != null) {
                    metrics.close();
                }
                health.close();
                services.endStreams();
                server.shutdown(config.shutdownGraceSeconds());
                services.close();
                Files.deleteIfExists(config.listen());
            }
            log.info("stopped");
        }
    }

    private void installSignalHandlers() {
        Signal.handle(new Signal("TERM"), signal -> stopRequested.countDown());
        Signal.handle(new Signal("INT"), signal -> stopRequested.countDown());
    }

    private void repairCgroupHierarchy() throws IOException {
        CgroupLayout layout = CgroupLayout.ofHost();
        if (!layout.controllersBlockingHybrid().isEmpty()) {
            HybridHierarchyRepair.apply(layout, Path.of("/sys/fs/cgroup"));
        }
    }

    /** 0711: others may traverse to bind-mounted files but not list what the node runs. */
    private static void createStateDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        }
    }
}
