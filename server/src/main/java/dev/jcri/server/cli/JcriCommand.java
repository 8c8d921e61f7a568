package dev.jcri.server.cli;

import dev.jcri.server.JcriVersion;
import dev.jcri.server.config.InvalidConfigException;
import dev.jcri.server.config.NodeConfig;
import dev.jcri.server.daemon.Daemon;
import dev.jcri.server.daemon.LogLevels;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code jcri}: runs the daemon; {@code jcri config} and {@code jcri check} help operators set it up. */
@Command(
        name = "jcri",
        mixinStandardHelpOptions = true,
        versionProvider = JcriCommand.Version.class,
        subcommands = {ConfigCommand.class, CheckCommand.class, PlayCommand.class, NodeReportCommand.class},
        description = {
            "A Kubernetes container runtime (CRI runtime.v1) that runs containers with crun under conmon.",
            "Without a subcommand it serves the CRI on a unix socket until SIGTERM or SIGINT."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped in order", "1:failed while running", "2:invalid flags or configuration"})
public final class JcriCommand implements Callable<Integer> {
    static final int EXIT_FAILED = 1;
    static final int EXIT_BAD_CONFIG = 2;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        NodeConfig config;
        try {
            config = options.load();
        } catch (InvalidConfigException e) {
            System.err.println("jcri: invalid configuration: " + e.getMessage());
            return EXIT_BAD_CONFIG;
        }
        LogLevels.apply(config.logLevel());
        try {
            new Daemon(config).run();
            return 0;
        } catch (IOException e) {
            System.err.println("jcri: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    public static void main(String[] args) {
        Optional<ConfigOptions> daemon = DaemonFlags.parse(args);
        if (daemon.isPresent()) {
            JcriCommand command = new JcriCommand();
            command.options = daemon.get();
            int code;
            try {
                code = command.call();
            } catch (Exception e) {
                // What picocli's execute does with an exception from call().
                e.printStackTrace();
                code = EXIT_FAILED;
            }
            System.exit(code);
        }
        // A flag given twice takes its last value, so wrappers can pass defaults that a user then overrides.
        int code = new CommandLine(new JcriCommand())
                .setOverwrittenOptionsAllowed(true)
                .execute(args);
        System.exit(code);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                JcriVersion.RUNTIME_NAME + " " + JcriVersion.version() + " (CRI " + JcriVersion.CRI_API_VERSION + ")"
            };
        }
    }
}
