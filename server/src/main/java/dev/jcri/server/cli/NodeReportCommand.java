package dev.jcri.server.cli;

import dev.jcri.server.cluster.InClusterApi;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code jcri node-report}: the chart's installer marks the node it installed jcri on (or removed it from) with the
 * label {@code jcri.dev/installed} and the annotation {@code jcri.dev/installed-version}, through the API server and
 * the installer pod's service account. Hidden: it is part of the installer, not of operating a node.
 */
@Command(
        name = "node-report",
        hidden = true,
        mixinStandardHelpOptions = true,
        description = "Label and annotate a Node with the jcri release installed on it (run by the chart's installer).")
final class NodeReportCommand implements Callable<Integer> {
    static final String LABEL = "jcri.dev/installed";
    static final String ANNOTATION = "jcri.dev/installed-version";

    private static final Pattern NODE_NAME =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final int LABEL_VALUE_MAX = 63;

    @Option(names = "--node", required = true, paramLabel = "NAME", description = "The Node object to patch.")
    String node;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Change change;

    static final class Change {
        @Option(names = "--installed", paramLabel = "VERSION", description = "Mark the node with this jcri release.")
        String installed;

        @Option(names = "--removed", description = "Remove the mark.")
        boolean removed;
    }

    @Option(
            names = "--service-account",
            paramLabel = "DIR",
            description = "Directory holding the service account's token and ca.crt (default: ${DEFAULT-VALUE}).")
    Path serviceAccount = InClusterApi.SERVICE_ACCOUNT;

    private final Map<String, String> environment;

    NodeReportCommand() {
        this(System.getenv());
    }

    NodeReportCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (node.length() > 253 || !NODE_NAME.matcher(node).matches()) {
            System.err.println("jcri node-report: --node: not a node name: " + node);
            return JcriCommand.EXIT_BAD_CONFIG;
        }
        try {
            InClusterApi api = InClusterApi.from(environment, serviceAccount);
            api.mergePatch("/api/v1/nodes/" + node, patch(change.removed ? null : change.installed));
        } catch (IOException e) {
            System.err.println("jcri node-report: node " + node + ": " + e.getMessage());
            return JcriCommand.EXIT_FAILED;
        }
        if (change.removed) {
            System.out.println("node " + node + ": removed label " + LABEL + " and annotation " + ANNOTATION);
        } else {
            System.out.println("node " + node + ": label " + LABEL + "=" + labelValue(change.installed)
                    + ", annotation " + ANNOTATION + "=" + change.installed);
        }
        return 0;
    }

    /** The merge patch setting the label and annotation for {@code version}, or removing both (null) for null. */
    static String patch(String version) {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode patch = json.createObjectNode();
        ObjectNode metadata = patch.putObject("metadata");
        if (version == null) {
            metadata.putObject("labels").putNull(LABEL);
            metadata.putObject("annotations").putNull(ANNOTATION);
        } else {
            metadata.putObject("labels").put(LABEL, labelValue(version));
            metadata.putObject("annotations").put(ANNOTATION, version);
        }
        return json.writeValueAsString(patch);
    }

    /**
     * {@code version} as a label value: at most 63 characters of {@code [A-Za-z0-9._-]}, starting and ending
     * alphanumeric. Others (the {@code +} before the commit in {@code 0.1.0+abc1234}) become {@code _}; the
     * annotation keeps the exact version.
     */
    static String labelValue(String version) {
        String value = version.replaceAll("[^A-Za-z0-9._-]", "_");
        if (value.length() > LABEL_VALUE_MAX) {
            value = value.substring(0, LABEL_VALUE_MAX);
        }
        return value.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    }
}
