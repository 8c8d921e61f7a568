package dev.jcri.sandbox.container.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * The process arguments, by Kubernetes' rules: a container {@code command} replaces the image's Entrypoint and drops
 * its Cmd; container {@code args} replace the image's Cmd.
 */
final class ContainerCommand {
    private ContainerCommand() {}

    static List<String> of(List<String> command, List<String> args, List<String> entrypoint, List<String> cmd) {
        List<String> result = new ArrayList<>();
        if (!command.isEmpty()) {
            result.addAll(command);
            result.addAll(args);
        } else {
            result.addAll(entrypoint);
            result.addAll(args.isEmpty() ? cmd : args);
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("no command: neither the container config nor the image gives one");
        }
        // args[0] is what the runtime executes; an empty one would fail late and obscurely inside crun.
        if (result.getFirst().isEmpty()) {
            throw new IllegalArgumentException("the command's executable (its first element) is empty");
        }
        return List.copyOf(result);
    }
}
