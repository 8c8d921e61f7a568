package dev.jcri.server.config;

import dev.jcri.sandbox.cgroup.CgroupDriverChoice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders the effective configuration: as commented TOML for operators, as nested maps for JSON. */
public final class EffectiveConfigWriter {
    private EffectiveConfigWriter() {}

    public static String toml(NodeConfig config) {
        StringBuilder out = new StringBuilder();
        out.append("# jcri node configuration: the effective values, built-in defaults included.\n")
                .append("# Save as /etc/jcri/jcri.toml and edit; drop-ins in /etc/jcri/jcri.d/*.toml override it\n")
                .append("# in name order, and command-line flags override both.\n");
        if (!config.sources().isEmpty()) {
            out.append("# Read from: ");
            out.append(String.join(
                    ", ", config.sources().stream().map(Object::toString).toList()));
            out.append('\n');
        }
        String table = "";
        for (ConfigKey key : ConfigSchema.keys()) {
            if (!key.table().equals(table)) {
                table = key.table();
                out.append("\n[").append(table).append("]\n");
            } else {
                out.append('\n');
            }
            out.append("# ").append(key.doc());
            if (key.flag() != null) {
                out.append(" (flag ").append(key.flag()).append(')');
            }
            out.append('\n');
            if (key.path().equals("cgroup_manager")) {
                CgroupDriverChoice choice = CgroupDriverChoice.ofHost();
                out.append("# Without a setting this host gets ")
                        .append(choice.driver())
                        .append(": ")
                        .append(choice.reason())
                        .append(".\n");
            }
            out.append(key.name())
                    .append(" = ")
                    .append(value(config.values().get(key.path())))
                    .append('\n');
        }
        out.append("\n# Runtime handlers (Kubernetes RuntimeClass handler names): the OCI runtime binary and its\n")
                .append("# state directory. A pod's runtime_handler picks one; empty means default_runtime.\n");
        for (NodeConfig.RuntimeHandler handler : config.runtimes().values()) {
            out.append("[runtimes.")
                    .append(handler.name())
                    .append("]\n")
                    .append("path = ")
                    .append(value(handler.path().toString()))
                    .append('\n')
                    .append("root = ")
                    .append(value(handler.root().toString()))
                    .append("\n\n");
        }
        return out.toString();
    }

    /** The same values as nested maps, for the verbose {@code Status} info. */
    public static Map<String, Object> nested(NodeConfig config) {
        Map<String, Object> root = new LinkedHashMap<>();
        config.values().forEach((path, value) -> {
            String[] parts = path.split("\\.");
            Map<String, Object> table = root;
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> next =
                        (Map<String, Object>) table.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
                table = next;
            }
            table.put(parts[parts.length - 1], value);
        });
        Map<String, Object> runtimes = new LinkedHashMap<>();
        config.runtimes()
                .values()
                .forEach(h -> runtimes.put(
                        h.name(),
                        Map.of("path", h.path().toString(), "root", h.root().toString())));
        root.put(ConfigSchema.RUNTIMES_TABLE, runtimes);
        return root;
    }

    static String value(Object value) {
        return switch (value) {
            case String s -> quote(s);
            case List<?> list ->
                "["
                        + String.join(
                                ", ",
                                list.stream().map(EffectiveConfigWriter::value).toList()) + "]";
            default -> String.valueOf(value);
        };
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
