package dev.jcri.server.streaming.remotecommand;

import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How an exec or attach ended, in the two forms the error channel carries: the Kubernetes Status JSON of protocol
 * v4 and later (from which kubectl and crictl take the exit code), and the plain text of older protocols, which
 * is written only for failures.
 */
public sealed interface CommandResult {
    JsonMapper JSON = JsonMapper.builder().build();

    static CommandResult exited(int code, List<String> command) {
        return code == 0 ? new Success() : new NonZeroExit(code, command);
    }

    /** The v4 Status document. */
    String statusJson();

    /** The text older protocols write, or null when they write nothing (success). */
    String legacyText();

    record Success() implements CommandResult {
        @Override
        public String statusJson() {
            ObjectNode status = JSON.createObjectNode();
            status.putObject("metadata");
            status.put("status", "Success");
            return JSON.writeValueAsString(status);
        }

        @Override
        public String legacyText() {
            return null;
        }
    }

    record NonZeroExit(int code, List<String> command) implements CommandResult {
        @Override
        public String statusJson() {
            ObjectNode status = JSON.createObjectNode();
            status.putObject("metadata");
            status.put("status", "Failure");
            status.put("message", legacyText());
            status.put("reason", "NonZeroExitCode");
            ArrayNode causes = status.putObject("details").putArray("causes");
            causes.addObject().put("reason", "ExitCode").put("message", Integer.toString(code));
            return JSON.writeValueAsString(status);
        }

        @Override
        public String legacyText() {
            return "command terminated with non-zero exit code: error executing command [" + String.join(" ", command)
                    + "], exit code " + code;
        }
    }

    /** The command could not run, or the attach could not be made. */
    record Failed(String message) implements CommandResult {
        @Override
        public String statusJson() {
            ObjectNode status = JSON.createObjectNode();
            status.putObject("metadata");
            status.put("status", "Failure");
            status.put("message", "Internal error occurred: " + message);
            status.put("reason", "InternalError");
            status.putObject("details").putArray("causes").addObject().put("message", message);
            status.put("code", 500);
            return JSON.writeValueAsString(status);
        }

        @Override
        public String legacyText() {
            return message;
        }
    }
}
