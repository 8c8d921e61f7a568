package dev.jcri.server.cli;

import dev.jcri.server.config.InvalidConfigException;
import dev.jcri.server.config.NodeConfig;
import dev.jcri.server.config.NodeConfigLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The flags every jcri command shares: where the config is, and the keys that may be overridden per run. */
public final class ConfigOptions {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Main config file (default: ${DEFAULT-VALUE}; built-in defaults when it is missing).",
            defaultValue = "/etc/jcri/jcri.toml")
    Path config;

    @Option(
            names = "--config-dir",
            paramLabel = "DIR",
            description = "Drop-in directory, *.toml applied in name order (default: jcri.d beside --config).")
    Path configDir;

    @Option(names = "--root", paramLabel = "DIR", description = "Persistent state directory (key root).")
    String root;

    @Option(names = "--runroot", paramLabel = "DIR", description = "Runtime state directory (key runroot).")
    String runroot;

    @Option(
            names = "--listen",
            paramLabel = "SOCKET",
            description = "CRI unix socket: a path or unix:///path (key listen).")
    String listen;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info, debug or trace.")
    String logLevel;

    @Option(names = "--conmon", paramLabel = "FILE", description = "conmon binary (key conmon).")
    String conmon;

    @Option(
            names = "--cgroup-manager",
            paramLabel = "DRIVER",
            description = "systemd or cgroupfs (key cgroup_manager; default: systemd when the host runs it).")
    String cgroupManager;

    @Option(names = "--pause-image", paramLabel = "IMAGE", description = "Infra container image (key pause_image).")
    String pauseImage;

    @Option(names = "--registries-config", paramLabel = "FILE", description = "registries.conf path.")
    String registriesConfig;

    @Option(names = "--cni-conf-dir", paramLabel = "DIRS", description = "CNI config dirs, comma-separated.")
    String cniConfDirs;

    @Option(names = "--cni-bin-dir", paramLabel = "DIRS", description = "CNI plugin dirs, comma-separated.")
    String cniBinDirs;

    @Option(names = "--streaming-port", paramLabel = "PORT", description = "Streaming server port; 0 = any free.")
    String streamingPort;

    @Option(names = "--metrics-address", paramLabel = "HOST:PORT", description = "Metrics server address.")
    String metricsAddress;

    private boolean configGiven(Path defaultConfig) {
        return !config.equals(defaultConfig);
    }

    Map<String, String> flags() {
        Map<String, String> flags = new LinkedHashMap<>();
        put(flags, "--root", root);
        put(flags, "--runroot", runroot);
        put(flags, "--listen", listen);
        put(flags, "--log-level", logLevel);
        put(flags, "--conmon", conmon);
        put(flags, "--cgroup-manager", cgroupManager);
        put(flags, "--pause-image", pauseImage);
        put(flags, "--registries-config", registriesConfig);
        put(flags, "--cni-conf-dir", cniConfDirs);
        put(flags, "--cni-bin-dir", cniBinDirs);
        put(flags, "--streaming-port", streamingPort);
        put(flags, "--metrics-address", metricsAddress);
        return flags;
    }

    /** Flags given to a subcommand win over the same flags given before it. */
    ConfigOptions over(ConfigOptions parent) {
        ConfigOptions merged = new ConfigOptions();
        merged.config = configGiven(NodeConfigLoader.DEFAULT_CONFIG) ? config : parent.config;
        merged.configDir = configDir != null ? configDir : parent.configDir;
        merged.root = root != null ? root : parent.root;
        merged.runroot = runroot != null ? runroot : parent.runroot;
        merged.listen = listen != null ? listen : parent.listen;
        merged.logLevel = logLevel != null ? logLevel : parent.logLevel;
        merged.conmon = conmon != null ? conmon : parent.conmon;
        merged.cgroupManager = cgroupManager != null ? cgroupManager : parent.cgroupManager;
        merged.pauseImage = pauseImage != null ? pauseImage : parent.pauseImage;
        merged.registriesConfig = registriesConfig != null ? registriesConfig : parent.registriesConfig;
        merged.cniConfDirs = cniConfDirs != null ? cniConfDirs : parent.cniConfDirs;
        merged.cniBinDirs = cniBinDirs != null ? cniBinDirs : parent.cniBinDirs;
        merged.streamingPort = streamingPort != null ? streamingPort : parent.streamingPort;
        merged.metricsAddress = metricsAddress != null ? metricsAddress : parent.metricsAddress;
        return merged;
    }

    NodeConfig load() throws InvalidConfigException {
        return new NodeConfigLoader().load(config, configGiven(NodeConfigLoader.DEFAULT_CONFIG), configDir, flags());
    }

    private static void put(Map<String, String> flags, String name, String value) {
        if (value != null) {
            flags.put(name, value);
        }
    }
}
