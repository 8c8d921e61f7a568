package dev.jcri.sandbox.container;

import dev.jcri.sandbox.StateLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OCI process an exec runs: the container's own {@code process} from its config.json (user, groups,
 * capabilities, environment, working dir, NoNewPrivs, AppArmor), with the exec's command and terminal. Passed to
 * the runtime with {@code --process}; without it crun would run the command as root with its own defaults,
 * whatever user the container runs as.
 */
final class ExecProcessSpec {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ExecProcessSpec() {}

    /** Writes the process file into the bundle (owner-only: the environment may hold secrets). */
    static Path write(StateLayout.ContainerPaths container, List<String> command, boolean tty) throws IOException {
        JsonNode config = JSON.readTree(Files.readString(container.ociConfig()));
        if (!config.path("process").isObject()) {
            throw new IOException(container.ociConfig() + " has no process");
        }
        ObjectNode process = ((ObjectNode) config.get("process")).deepCopy();
        ArrayNode args = process.putArray("args");
        command.forEach(args::add);
        process.put("terminal", tty);
        process.remove("consoleSize");
        Path file = Files.createTempFile(
                container.bundle(),
                "exec-",
                ".json",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, JSON.writeValueAsBytes(process));
        return file;
    }
}
