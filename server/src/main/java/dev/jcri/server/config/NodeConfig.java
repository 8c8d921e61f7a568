package dev.jcri.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The effective node configuration: built-in defaults, then {@code jcri.toml}, then drop-ins in name order, then
 * command-line flags.
 *
 * @param values every key's effective value by dotted path, as {@code jcri config} prints it
 * @param sources the files that contributed, in the order applied
 */
public record NodeConfig(Map<String, Object> values, Map<String, RuntimeHandler> runtimes, List<Path> sources) {

    /** A runtime handler (RuntimeClass): an OCI runtime binary and its state directory. */
    public record RuntimeHandler(String name, Path path, Path root) {}

    public Path root() {
        return path("root");
    }

    public Path runroot() {
        return path("runroot");
    }

    public Path listen() {
        return path("listen");
    }

    public String logLevel() {
        return string("log_level");
    }

    public Path conmon() {
        return path("conmon");
    }

    public String cgroupManager() {
        return string("cgroup_manager");
    }

    public String cgroupParent() {
        return string("cgroup_parent");
    }

    public String defaultRuntime() {
        return string("default_runtime");
    }

    public Duration runtimeTimeout() {
        return Duration.ofSeconds((Long) values.get("runtime_timeout_seconds"));
    }

    public String pauseImage() {
        return string("pause_image");
    }

    @SuppressWarnings("unchecked")
    public List<String> pinnedImages() {
        return (List<String>) values.get("image.pinned_images");
    }

    public Path registriesConfig() {
        return path("registries_config");
    }

    public List<Path> cniConfDirs() {
        return paths("cni.conf_dirs");
    }

    public List<Path> cniBinDirs() {
        return paths("cni.bin_dirs");
    }

    public boolean cniDefaultNetwork() {
        return (Boolean) values.get("cni.default_network");
    }

    public Path cniCacheDir() {
        return path("cni.cache_dir");
    }

    public String streamingAddress() {
        return string("streaming.address");
    }

    public int streamingPort() {
        return (Integer) values.get("streaming.port");
    }

    /** The streaming server's certificate and key, when both are set. */
    public Optional<Path[]> streamingTls() {
        String cert = string("streaming.tls_cert_file");
        String key = string("streaming.tls_key_file");
        return cert.isEmpty() && key.isEmpty()
                ? Optional.empty()
                : Optional.of(new Path[] {Path.of(cert), Path.of(key)});
    }

    public Duration streamingIdleTimeout() {
        return Duration.ofSeconds((Long) values.get("streaming.idle_timeout_seconds"));
    }

    public String seccompDefaultProfile() {
        return string("seccomp.default_profile");
    }

    public boolean metricsEnabled() {
        return (Boolean) values.get("metrics.enabled");
    }

    public String metricsAddress() {
        return string("metrics.address");
    }

    public int maxParallelLayers() {
        return (Integer) values.get("image.max_parallel_layers");
    }

    /** Zero: pulls are never cut for want of progress. */
    public Duration pullProgressTimeout() {
        return Duration.ofSeconds((Long) values.get("image.pull_progress_timeout_seconds"));
    }

    /** Zero: the orphan sweep runs at startup only. */
    public Duration orphanSweepInterval() {
        return Duration.ofSeconds((Long) values.get("orphan_sweep_interval_seconds"));
    }

    public long shutdownGraceSeconds() {
        return (Long) values.get("shutdown.grace_seconds");
    }

    /** The image store lives under the root so that one state dir holds one node's images. */
    public Path imageStoreDir() {
        return root().resolve("storage");
    }

    private Path path(String key) {
        return Path.of((String) values.get(key));
    }

    private String string(String key) {
        return (String) values.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Path> paths(String key) {
        return ((List<String>) values.get(key)).stream().map(Path::of).toList();
    }
}
