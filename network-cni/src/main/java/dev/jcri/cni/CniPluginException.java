package dev.jcri.cni;

import java.time.Duration;

/**
 * A plugin invocation failed: the plugin reported a CNI error, exited non-zero without one, printed output
 * that is not a result, or hung and was killed.
 */
public class CniPluginException extends CniException {
    /** {@link #code()} when the plugin reported no CNI error code. */
    public static final int NO_CODE = 0;

    private final String pluginType;
    private final CniCommand command;
    private final int code;
    private final String msg;
    private final String details;
    private final String stderr;

    private CniPluginException(
            String message,
            String pluginType,
            CniCommand command,
            int code,
            String msg,
            String details,
            String stderr) {
        super(message);
        this.pluginType = pluginType;
        this.command = command;
        this.code = code;
        this.msg = msg;
        this.details = details;
        this.stderr = stderr;
    }

    /** The plugin's own error JSON, e.g. "CNI plugin bridge ADD failed (code 11): msg: details". */
    static CniPluginException reported(String type, CniCommand command, CniError error, String stderr) {
        StringBuilder message = new StringBuilder(prefix(type, command))
                .append(" failed (code ")
                .append(error.code())
                .append("): ")
                .append(error.msg());
        if (!error.details().isEmpty()) {
            message.append(": ").append(error.details());
        }
        return new CniPluginException(
                message.toString(), type, command, error.code(), error.msg(), error.details(), stderr);
    }

    /** A non-zero exit without an error JSON: the output is all there is to show. */
    static CniPluginException exited(String type, CniCommand command, int exitStatus, String stdout, String stderr) {
        String status = exitStatus > 128 ? "killed by signal " + (exitStatus - 128) : "exit status " + exitStatus;
        String output = !stderr.isEmpty() ? stderr : stdout;
        String message = prefix(type, command) + " failed (" + status + ")"
                + (output.isEmpty() ? " without output" : ": " + output);
        return new CniPluginException(message, type, command, NO_CODE, output, "", stderr);
    }

    static CniPluginException timedOut(String type, CniCommand command, Duration timeout) {
        return new CniPluginException(
                prefix(type, command) + " timed out after " + timeout.toSeconds() + " s and was killed",
                type,
                command,
                NO_CODE,
                "timed out",
                "",
                "");
    }

    /** Exit status 0 but output that the command does not allow (no result, or not JSON). */
    static CniPluginException badOutput(String type, CniCommand command, String why, String stdout) {
        return new CniPluginException(
                prefix(type, command) + " " + why + (stdout.isEmpty() ? "" : ": " + stdout),
                type,
                command,
                NO_CODE,
                why,
                stdout,
                "");
    }

    private static String prefix(String type, CniCommand command) {
        return "CNI plugin " + type + " " + command;
    }

    public String pluginType() {
        return pluginType;
    }

    public CniCommand command() {
        return command;
    }

    /** The CNI error code the plugin reported, or {@link #NO_CODE}. */
    public int code() {
        return code;
    }

    public String msg() {
        return msg;
    }

    public String details() {
        return details;
    }

    /** The plugin's stderr (bounded), for logs. */
    public String stderr() {
        return stderr;
    }
}
