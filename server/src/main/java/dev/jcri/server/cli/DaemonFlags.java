package dev.jcri.server.cli;

import dev.jcri.server.config.NodeConfigLoader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * The daemon's own command line, read without picocli: picocli builds its command model by reflection over every
 * subcommand, and its class files (Java 5) cannot go into the AOT cache, which cost about a second of start-up
 * under load. Only a command line made of {@link ConfigOptions}' flags ({@code --name VALUE} or
 * {@code --name=VALUE}, the last of a repeated flag winning, as picocli is set up) is read here; anything else
 * (a subcommand, --help, --version, an unknown or incomplete flag) goes to picocli, which also words the errors.
 */
final class DaemonFlags {
    /** ConfigOptions' flags; DaemonFlagsTest checks that picocli knows the same set. */
    static final Set<String> NAMES = Set.of(
            "--config",
            "--config-dir",
            "--root",
            "--runroot",
            "--listen",
            "--log-level",
            "--conmon",
            "--cgroup-manager",
            "--pause-image",
            "--registries-config",
            "--cni-conf-dir",
            "--cni-bin-dir",
            "--streaming-port",
            "--metrics-address");

    private DaemonFlags() {}

    /** The options of a plain daemon command line, or empty when picocli must read it. */
    static Optional<ConfigOptions> parse(String[] args) {
        ConfigOptions options = new ConfigOptions();
        options.config = NodeConfigLoader.DEFAULT_CONFIG;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else {
                name = arg;
                // A value that looks like an option is left to picocli's rules.
                if (i + 1 >= args.length || args[i + 1].startsWith("-")) {
                    return Optional.empty();
                }
                value = args[++i];
            }
            try {
                if (!NAMES.contains(name) || !set(options, name, value)) {
                    return Optional.empty();
                }
            } catch (InvalidPathException e) {
                return Optional.empty();
            }
        }
        return Optional.of(options);
    }

    private static boolean set(ConfigOptions options, String name, String value) {
        switch (name) {
            case "--config" -> options.config = Path.of(value);
            case "--config-dir" -> options.configDir = Path.of(value);
            case "--root" -> options.root = value;
            case "--runroot" -> options.runroot = value;
            case "--listen" -> options.listen = value;
            case "--log-level" -> options.logLevel = value;
            case "--conmon" -> options.conmon = value;
            case "--cgroup-manager" -> options.cgroupManager = value;
            case "--pause-image" -> options.pauseImage = value;
            case "--registries-config" -> options.registriesConfig = value;
            case "--cni-conf-dir" -> options.cniConfDirs = value;
            case "--cni-bin-dir" -> options.cniBinDirs = value;
            case "--streaming-port" -> options.streamingPort = value;
            case "--metrics-address" -> options.metricsAddress = value;
            default -> {
                return false;
            }
        }
        return true;
    }
}
