package dev.jcri.server.config;

import java.util.Map;
import java.util.function.Function;

/**
 * One key of the node configuration: its dotted path, type, documentation and default.
 *
 * <p>A default may depend on other keys (the socket lives in the runroot unless configured), so it is a function
 * of the values resolved so far; keys are resolved in schema order.
 */
public record ConfigKey(
        String path, ConfigKind kind, String doc, Function<Map<String, Object>, Object> defaultValue, String flag) {

    static ConfigKey of(String path, ConfigKind kind, Object defaultValue, String doc) {
        return new ConfigKey(path, kind, doc, resolved -> defaultValue, null);
    }

    static ConfigKey derived(
            String path, ConfigKind kind, Function<Map<String, Object>, Object> defaultValue, String doc) {
        return new ConfigKey(path, kind, doc, defaultValue, null);
    }

    ConfigKey withFlag(String flagName) {
        return new ConfigKey(path, kind, doc, defaultValue, flagName);
    }

    /** The table the key lives in ("" for the top level). */
    String table() {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }

    String name() {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
