package dev.jcri.server.cli;

import dev.jcri.server.config.InvalidConfigException;
import dev.jcri.server.config.NodeConfig;
import dev.jcri.server.node.NodeCheck;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code jcri check}: each prerequisite of a working node, ok or missing, with the fix. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Check this host's prerequisites (OCI runtimes, conmon, CNI plugins, overlayfs, cgroups, CRIU).")
final class CheckCommand implements Callable<Integer> {
    @ParentCommand
    JcriCommand parent;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
        NodeConfig config;
        try {
            config = options.over(parent.options).load();
        } catch (InvalidConfigException e) {
            System.err.println("jcri: invalid configuration: " + e.getMessage());
            return JcriCommand.EXIT_BAD_CONFIG;
        }
        List<NodeCheck.Finding> findings = new NodeCheck(config).run();
        boolean missing = false;
        for (NodeCheck.Finding finding : findings) {
            System.out.printf("%-8s %-22s %s%n", finding.state().label(), finding.item(), finding.detail());
            if (finding.fix() != null) {
                System.out.printf("%-8s %-22s fix: %s%n", "", "", finding.fix());
            }
            missing |= finding.state() == NodeCheck.State.MISSING;
        }
        return missing ? JcriCommand.EXIT_FAILED : 0;
    }
}
