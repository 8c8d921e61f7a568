package dev.jcri.server.config;

import dev.jcri.sandbox.cgroup.CgroupDriverChoice;
import dev.jcri.sandbox.cgroup.SliceName;
import dev.jcri.server.config.ConfigKind.ValueRejected;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * Reads the node configuration: defaults, the main file, drop-ins in name order, then flags.
 *
 * <p>Each file is checked on its own before it is merged, so an error names the file that holds the bad key, not
 * the merged result. Unknown keys are errors: a misspelt key silently ignored is a node running with a setting
 * its operator did not choose.
 */
public final class NodeConfigLoader {
    public static final Path DEFAULT_CONFIG = Path.of("/etc/jcri/jcri.toml");

    private final TomlMapper toml = new TomlMapper();
    private final BooleanSupplier systemdBooted;

    public NodeConfigLoader() {
        this(CgroupDriverChoice::systemdBooted);
    }

    /** @param systemdBooted whether this host runs systemd, which {@code cgroup_manager = "systemd"} needs */
    NodeConfigLoader(BooleanSupplier systemdBooted) {
        this.systemdBooted = systemdBooted;
    }

    /** Where a value came from, for error messages. */
    private record Setting(Object value, String source) {}

    /**
     * @param mainFile the main file; when {@code required} is false a missing file means built-in defaults
     * @param dropInDir drop-in directory, null for {@code <dir of mainFile>/jcri.d}
     * @param flags values given on the command line, keyed by flag name (e.g. {@code --root})
     */
    public NodeConfig load(Path mainFile, boolean required, Path dropInDir, Map<String, String> flags)
            throws InvalidConfigException {
        Map<String, Setting> explicit = new LinkedHashMap<>();
        Map<String, Map<String, Setting>> runtimes = new LinkedHashMap<>();
        List<Path> sources = new ArrayList<>();

        if (Files.isRegularFile(mainFile)) {
            apply(mainFile, explicit, runtimes);
            sources.add(mainFile);
        } else if (required) {
            throw new InvalidConfigException(mainFile + ": config file not found");
        }
        Path dropIns = dropInDir != null ? dropInDir : siblingDropInDir(mainFile);
        for (Path dropIn : dropIns(dropIns)) {
            apply(dropIn, explicit, runtimes);
            sources.add(dropIn);
        }
        for (Map.Entry<String, String> flag : flags.entrySet()) {
            ConfigKey key = ConfigSchema.byFlag(flag.getKey())
                    .orElseThrow(() -> new IllegalArgumentException("no config key for flag " + flag.getKey()));
            try {
                explicit.put(key.path(), new Setting(key.kind().fromFlag(flag.getValue()), "flag " + flag.getKey()));
            } catch (ValueRejected e) {
                throw new InvalidConfigException("flag " + flag.getKey() + ": " + e.getMessage());
            }
        }
        return resolve(explicit, runtimes, sources);
    }

    public static Path siblingDropInDir(Path mainFile) {
        Path parent = mainFile.toAbsolutePath().getParent();
        return parent.resolve("jcri.d");
    }

    private static List<Path> dropIns(Path dir) throws InvalidConfigException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        TreeSet<Path> files = new TreeSet<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.toml")) {
            stream.forEach(p -> {
                if (Files.isRegularFile(p)) files.add(p);
            });
        } catch (IOException e) {
            throw new InvalidConfigException(dir + ": cannot list drop-in directory: " + e.getMessage(), e);
        }
        return List.copyOf(files);
    }

    private void apply(Path file, Map<String, Setting> explicit, Map<String, Map<String, Setting>> runtimes)
            throws InvalidConfigException {
        JsonNode root;
        try {
            root = toml.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new InvalidConfigException(file + ": not valid TOML: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            return;
        }
        Set<String> tables = ConfigSchema.fixedTables();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String name = entry.getKey();
            JsonNode value = entry.getValue();
            if (name.equals(ConfigSchema.RUNTIMES_TABLE)) {
                applyRuntimes(file, value, runtimes);
            } else if (value.isObject() && tables.contains(name)) {
                for (Map.Entry<String, JsonNode> inner : value.properties()) {
                    applyKey(file, name + "." + inner.getKey(), inner.getValue(), explicit);
                }
            } else {
                applyKey(file, name, value, explicit);
            }
        }
    }

    private static void applyKey(Path file, String path, JsonNode value, Map<String, Setting> explicit)
            throws InvalidConfigException {
        ConfigKey key = ConfigSchema.find(path).orElse(null);
        if (key == null) {
            throw new InvalidConfigException(file + ": unknown key '" + path + "'" + knownKeysHint(path));
        }
        try {
            explicit.put(path, new Setting(key.kind().fromToml(value), file.toString()));
        } catch (ValueRejected e) {
            throw new InvalidConfigException(file + ": key '" + path + "': " + e.getMessage());
        }
    }

    private static void applyRuntimes(Path file, JsonNode table, Map<String, Map<String, Setting>> runtimes)
            throws InvalidConfigException {
        if (!table.isObject()) {
            throw new InvalidConfigException(file + ": key 'runtimes': expected a table of [runtimes.NAME] tables, got "
                    + ConfigKind.describe(table));
        }
        for (Map.Entry<String, JsonNode> handler : table.properties()) {
            String name = handler.getKey();
            if (!name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || name.length() > 63) {
                throw new InvalidConfigException(file + ": runtime handler name '" + name
                        + "' must be a DNS label (lowercase letters, digits, '-'), as RuntimeClass handlers are");
            }
            if (!handler.getValue().isObject()) {
                throw new InvalidConfigException(file + ": key 'runtimes." + name + "': expected a table, got "
                        + ConfigKind.describe(handler.getValue()));
            }
            Map<String, Setting> settings = runtimes.computeIfAbsent(name, n -> new LinkedHashMap<>());
            for (Map.Entry<String, JsonNode> entry : handler.getValue().properties()) {
                String path = "runtimes." + name + "." + entry.getKey();
                ConfigKind kind = ConfigSchema.RUNTIME_KEYS.get(entry.getKey());
                if (kind == null) {
                    throw new InvalidConfigException(file + ": unknown key '" + path + "' (known keys of a runtime: "
                            + String.join(", ", new TreeSet<>(ConfigSchema.RUNTIME_KEYS.keySet())) + ")");
                }
                try {
                    settings.put(entry.getKey(), new Setting(kind.fromToml(entry.getValue()), file.toString()));
                } catch (ValueRejected e) {
                    throw new InvalidConfigException(file + ": key '" + path + "': " + e.getMessage());
                }
            }
        }
    }

    private static String knownKeysHint(String path) {
        int dot = path.lastIndexOf('.');
        String table = dot < 0 ? "" : path.substring(0, dot);
        List<String> siblings = ConfigSchema.keys().stream()
                .filter(k -> k.table().equals(table))
                .map(ConfigKey::name)
                .toList();
        if (siblings.isEmpty()) {
            return "";
        }
        return " (known keys " + (table.isEmpty() ? "at the top level" : "in [" + table + "]") + ": "
                + String.join(", ", siblings) + ")";
    }

    private NodeConfig resolve(
            Map<String, Setting> explicit, Map<String, Map<String, Setting>> runtimeSettings, List<Path> sources)
            throws InvalidConfigException {
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey key : ConfigSchema.keys()) {
            Setting setting = explicit.get(key.path());
            values.put(
                    key.path(),
                    setting != null ? setting.value() : key.defaultValue().apply(values));
        }

        Map<String, NodeConfig.RuntimeHandler> runtimes = new LinkedHashMap<>();
        Map<String, Map<String, Setting>> merged = new LinkedHashMap<>();
        ConfigSchema.BUILT_IN_RUNTIMES.keySet().forEach(name -> merged.put(name, new LinkedHashMap<>()));
        runtimeSettings.forEach((name, settings) ->
                merged.computeIfAbsent(name, n -> new LinkedHashMap<>()).putAll(settings));
        for (Map.Entry<String, Map<String, Setting>> entry : merged.entrySet()) {
            String name = entry.getKey();
            Setting path = entry.getValue().get("path");
            Setting root = entry.getValue().get("root");
            String binary = path != null ? (String) path.value() : ConfigSchema.BUILT_IN_RUNTIMES.get(name);
            if (binary == null) {
                Setting any = entry.getValue().values().iterator().next();
                throw new InvalidConfigException(any.source() + ": key 'runtimes." + name
                        + ".path': required for a runtime that is not built in (built in: "
                        + String.join(", ", ConfigSchema.BUILT_IN_RUNTIMES.keySet()) + ")");
            }
            String stateDir = root != null ? (String) root.value() : values.get("runroot") + "/runtimes/" + name;
            runtimes.put(name, new NodeConfig.RuntimeHandler(name, Path.of(binary), Path.of(stateDir)));
        }

        check(
                explicit,
                "log_level",
                ConfigKind.LOG_LEVELS.contains((String) values.get("log_level")),
                "expected one of error, warn, info, debug, trace");
        String cgroupManager = (String) values.get("cgroup_manager");
        check(
                explicit,
                "cgroup_manager",
                ConfigSchema.CGROUP_MANAGERS.contains(cgroupManager),
                "expected cgroupfs or systemd");
        check(
                explicit,
                "cgroup_manager",
                !cgroupManager.equals("systemd") || systemdBooted.getAsBoolean(),
                "systemd does not run on this host (no " + CgroupDriverChoice.SYSTEMD_RUNTIME_DIR + "); use cgroupfs");
        String cgroupParent = (String) values.get("cgroup_parent");
        if (cgroupManager.equals("systemd")) {
            check(
                    explicit,
                    "cgroup_parent",
                    SliceName.isValid(cgroupParent),
                    "expected a systemd slice name such as jcri.slice (cgroup_manager is systemd)");
        } else {
            check(
                    explicit,
                    "cgroup_parent",
                    cgroupParent.matches("(/[A-Za-z0-9_.-]+)+")
                            && !cgroupParent.contains("/..")
                            && !cgroupParent.contains("/./"),
                    "expected an absolute cgroup path such as /jcri, without '.' or '..' components");
        }
        check(
                explicit,
                "default_runtime",
                runtimes.containsKey((String) values.get("default_runtime")),
                "expected the name of a configured runtime (" + String.join(", ", runtimes.keySet()) + ")");
        check(explicit, "pause_image", !((String) values.get("pause_image")).isBlank(), "expected an image reference");
        @SuppressWarnings("unchecked")
        List<String> pinnedImages = (List<String>) values.get("image.pinned_images");
        for (String pattern : pinnedImages) {
            // A '*' only ends a pattern: a typo stops jcri rather than leaving an image unpinned.
            String p = pattern.strip();
            check(
                    explicit,
                    "image.pinned_images",
                    !p.isEmpty() && !p.equals("*") && (p.indexOf('*') < 0 || p.indexOf('*') == p.length() - 1),
                    "expected image names or prefixes ending in * (\"registry.example/infra/*\")");
        }
        check(
                explicit,
                "metrics.address",
                isHostPort((String) values.get("metrics.address")),
                "expected host:port with a port between 0 and 65535");
        check(
                explicit,
                "streaming.address",
                !((String) values.get("streaming.address")).isBlank(),
                "expected an IP address or host name");
        String seccompProfile = (String) values.get("seccomp.default_profile");
        check(
                explicit,
                "seccomp.default_profile",
                seccompProfile.isEmpty() || seccompProfile.startsWith("/"),
                "expected an absolute path");
        String tlsCert = (String) values.get("streaming.tls_cert_file");
        String tlsKey = (String) values.get("streaming.tls_key_file");
        check(
                explicit,
                "streaming.tls_cert_file",
                tlsCert.isEmpty() == tlsKey.isEmpty(),
                "set together with streaming.tls_key_file, or neither");
        check(
                explicit,
                "streaming.tls_cert_file",
                tlsCert.isEmpty() || tlsCert.startsWith("/"),
                "expected an absolute path");
        check(
                explicit,
                "streaming.tls_key_file",
                tlsKey.isEmpty() || tlsKey.startsWith("/"),
                "expected an absolute path");
        return new NodeConfig(values, runtimes, sources);
    }

    private static boolean isHostPort(String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            return false;
        }
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            return port >= 0 && port <= 65535;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void check(Map<String, Setting> explicit, String key, boolean ok, String expectation)
            throws InvalidConfigException {
        if (ok) {
            return;
        }
        Setting setting = explicit.get(key);
        String source = setting != null ? setting.source() : "built-in default";
        Object value = setting != null ? setting.value() : null;
        throw new InvalidConfigException(
                source + ": key '" + key + "': " + expectation + (value != null ? ", got \"" + value + "\"" : ""));
    }
}
