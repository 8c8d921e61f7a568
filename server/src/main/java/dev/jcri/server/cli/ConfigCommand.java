package dev.jcri.server.cli;

import dev.jcri.server.config.EffectiveConfigWriter;
import dev.jcri.server.config.InvalidConfigException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code jcri config}: the effective configuration as commented TOML, ready to save as jcri.toml. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Print the effective configuration (defaults, files, flags) as commented TOML.")
final class ConfigCommand implements Callable<Integer> {
    @ParentCommand
    JcriCommand parent;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
        try {
            System.out.print(
                    EffectiveConfigWriter.toml(options.over(parent.options).load()));
            return 0;
        } catch (InvalidConfigException e) {
            System.err.println("jcri: invalid configuration: " + e.getMessage());
            return JcriCommand.EXIT_BAD_CONFIG;
        }
    }
}
