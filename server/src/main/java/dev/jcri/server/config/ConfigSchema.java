package dev.jcri.server.config;

import static dev.jcri.server.config.ConfigKind.ABSOLUTE_PATH;
import static dev.jcri.server.config.ConfigKind.BOOLEAN;
import static dev.jcri.server.config.ConfigKind.DURATION_SECONDS;
import static dev.jcri.server.config.ConfigKind.PATH_LIST;
import static dev.jcri.server.config.ConfigKind.PORT;
import static dev.jcri.server.config.ConfigKind.POSITIVE_INT;
import static dev.jcri.server.config.ConfigKind.SOCKET_PATH;
import static dev.jcri.server.config.ConfigKind.STRING;
import static dev.jcri.server.config.ConfigKind.STRING_LIST;

import dev.jcri.sandbox.cgroup.CgroupDriverChoice;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every key jcri reads from {@code jcri.toml}, in the order {@code jcri config} prints them.
 *
 * <p>Runtime handlers are the one open-ended table: {@code [runtimes.NAME]} with the keys in
 * {@link #RUNTIME_KEYS}. crun and runc are built in, so a node without a file can serve both.
 */
public final class ConfigSchema {
    public static final String RUNTIMES_TABLE = "runtimes";

    /** Keys of one {@code [runtimes.NAME]} table; a missing root defaults to {@code <runroot>/runtimes/NAME}. */
    public static final Map<String, ConfigKind> RUNTIME_KEYS = Map.of("path", ABSOLUTE_PATH, "root", ABSOLUTE_PATH);

    public static final Map<String, String> BUILT_IN_RUNTIMES = builtInRuntimes();

    public static final Set<String> CGROUP_MANAGERS = Set.of("cgroupfs", "systemd");

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of(
                            "root",
                            ABSOLUTE_PATH,
                            "/var/lib/jcri",
                            "Persistent state: image store, sandbox and container records.")
                    .withFlag("--root"),
            ConfigKey.of(
                            "runroot",
                            ABSOLUTE_PATH,
                            "/run/jcri",
                            "Runtime state that does not survive a reboot: socket, pinned namespaces, conmon files.")
                    .withFlag("--runroot"),
            ConfigKey.derived(
                            "listen",
                            SOCKET_PATH,
                            v -> v.get("runroot") + "/jcri.sock",
                            "The CRI gRPC unix socket kubelet and crictl connect to (mode 0660, owned by root); "
                                    + "a path or unix:///path.")
                    .withFlag("--listen"),
            ConfigKey.of("log_level", STRING, "info", "One of error, warn, info, debug, trace.")
                    .withFlag("--log-level"),
            ConfigKey.of("conmon", ABSOLUTE_PATH, "/usr/bin/conmon", "The conmon binary that monitors each container.")
                    .withFlag("--conmon"),
            ConfigKey.derived(
                            "cgroup_manager",
                            STRING,
                            v -> CgroupDriverChoice.ofHost().driver(),
                            "The cgroup driver, the same kubelet must use (it reads it from RuntimeConfig): systemd "
                                    + "(slices and scopes made by systemd over D-Bus) or cgroupfs (cgroup paths written "
                                    + "directly). Default: systemd when the host runs systemd, else cgroupfs.")
                    .withFlag("--cgroup-manager"),
            ConfigKey.derived(
                    "cgroup_parent",
                    STRING,
                    v -> "systemd".equals(v.get("cgroup_manager")) ? "jcri.slice" : "/jcri",
                    "jcri's own cgroup parent, used for pods whose config names none: a slice name with the "
                            + "systemd driver (default jcri.slice), an absolute path with cgroupfs (default /jcri). "
                            + "jcri never creates cgroups outside it and the parents kubelet gives."),
            ConfigKey.of(
                    "default_runtime",
                    STRING,
                    "crun",
                    "The runtime handler used when a pod names none; must be one of [runtimes.*]."),
            ConfigKey.of(
                    "runtime_timeout_seconds",
                    DURATION_SECONDS,
                    120L,
                    "How long one OCI runtime command (crun/runc create, start, kill, delete, update) may take; a "
                            + "runtime or conmon that hangs longer is killed and the RPC fails."),
            ConfigKey.of(
                            "pause_image",
                            STRING,
                            "registry.k8s.io/pause:3.10",
                            "Image of the infra container, run only for pods that share one PID namespace.")
                    .withFlag("--pause-image"),
            ConfigKey.of(
                            "registries_config",
                            ABSOLUTE_PATH,
                            "/etc/containers/registries.conf",
                            "registries.conf (v2) with mirrors, insecure and blocked registries; drop-ins in the "
                                    + "sibling registries.conf.d/.")
                    .withFlag("--registries-config"),
            ConfigKey.of(
                    "orphan_sweep_interval_seconds",
                    DURATION_SECONDS,
                    600L,
                    "How often jcri looks for what no record owns (namespace pins, mounts, cgroups, conmon "
                            + "processes, bundles, runtime state, storage leftovers) and removes it; it also does at "
                            + "startup. 0: only at startup."),
            ConfigKey.of(
                            "cni.conf_dirs",
                            PATH_LIST,
                            List.of("/etc/cni/net.d"),
                            "Directories searched for the network config: the lexically first *.conflist, *.conf or "
                                    + "*.json wins.")
                    .withFlag("--cni-conf-dir"),
            ConfigKey.of(
                            "cni.bin_dirs",
                            PATH_LIST,
                            List.of("/opt/cni/bin", "/usr/lib/cni"),
                            "Directories searched, in order, for CNI plugin binaries.")
                    .withFlag("--cni-bin-dir"),
            ConfigKey.of(
                    "cni.default_network",
                    BOOLEAN,
                    true,
                    "When no conf dir holds a network config, write jcri's default (bridge cni0, 10.88.0.0/16, "
                            + "portmap) into the first conf dir at startup, so that a fresh node has pod networking."),
            ConfigKey.derived(
                    "cni.cache_dir",
                    ABSOLUTE_PATH,
                    v -> v.get("root") + "/cni",
                    "Where each CNI ADD result is kept so that DEL works after a restart or reboot."),
            ConfigKey.of(
                    "streaming.address",
                    STRING,
                    "127.0.0.1",
                    "Address the exec/attach/port-forward server listens on."),
            ConfigKey.of("streaming.port", PORT, 0, "Its port; 0 picks a free one.")
                    .withFlag("--streaming-port"),
            ConfigKey.of(
                    "streaming.tls_cert_file",
                    STRING,
                    "",
                    "PEM certificate chain; with tls_key_file, the streaming URLs are https. Empty: plain http."),
            ConfigKey.of("streaming.tls_key_file", STRING, "", "PEM PKCS#8 private key of tls_cert_file."),
            ConfigKey.of(
                    "streaming.idle_timeout_seconds",
                    DURATION_SECONDS,
                    14400L,
                    "An exec/attach/port-forward stream idle this long is closed (kubelet's default: 4 h)."),
            ConfigKey.of("metrics.enabled", BOOLEAN, true, "Serve Prometheus metrics and /healthz."),
            ConfigKey.of("metrics.address", STRING, "127.0.0.1:9090", "host:port of the metrics server.")
                    .withFlag("--metrics-address"),
            ConfigKey.of(
                    "seccomp.default_profile",
                    STRING,
                    "",
                    "Seccomp profile (JSON) that RuntimeDefault means; empty: jcri's built-in profile."),
            ConfigKey.of(
                    "image.max_parallel_layers",
                    POSITIVE_INT,
                    3,
                    "Layers of one pull downloaded and unpacked at the same time."),
            ConfigKey.of(
                    "image.pull_progress_timeout_seconds",
                    DURATION_SECONDS,
                    60L,
                    "A pull whose download receives no bytes for this long is cancelled (UNAVAILABLE) and stores "
                            + "nothing; a slow download that keeps receiving bytes is never cut. 0: no limit."),
            ConfigKey.of(
                    "image.pinned_images",
                    STRING_LIST,
                    List.of(),
                    "Images reported pinned (never removed by kubelet's image GC) besides pause_image: exact "
                            + "names, or a prefix ending in * (\"registry.example/infra/*\")."),
            ConfigKey.of(
                    "shutdown.grace_seconds",
                    DURATION_SECONDS,
                    10L,
                    "On SIGTERM, how long in-flight RPCs may run before they are cancelled."));

    private ConfigSchema() {}

    public static List<ConfigKey> keys() {
        return KEYS;
    }

    public static Optional<ConfigKey> find(String path) {
        return KEYS.stream().filter(k -> k.path().equals(path)).findFirst();
    }

    public static Optional<ConfigKey> byFlag(String flag) {
        return KEYS.stream().filter(k -> flag.equals(k.flag())).findFirst();
    }

    /** Tables that hold fixed keys ("" is the top level). */
    static Set<String> fixedTables() {
        Set<String> tables = new LinkedHashSet<>();
        KEYS.forEach(k -> tables.add(k.table()));
        return tables;
    }

    private static Map<String, String> builtInRuntimes() {
        Map<String, String> runtimes = new LinkedHashMap<>();
        runtimes.put("crun", "/usr/bin/crun");
        runtimes.put("runc", "/usr/bin/runc");
        return runtimes;
    }
}
