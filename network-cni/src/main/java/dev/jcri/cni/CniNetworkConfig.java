package dev.jcri.cni;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A validated network config list: name, spec version, plugin chain. A single-plugin {@code .conf} is held in the
 * same list form, as libcni does, so that the rest of the code knows only chains.
 *
 * @param source the file it came from, or null when it came from the result cache
 * @param json   the config in conflist form, with the selected {@code cniVersion}
 */
public record CniNetworkConfig(
        String name,
        CniVersion cniVersion,
        boolean disableCheck,
        List<CniPluginConfig> plugins,
        Path source,
        ObjectNode json) {

    // The spec's rule for network names; it also keeps names safe inside cache file names.
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");

    public CniNetworkConfig {
        plugins = List.copyOf(plugins);
        json = json.deepCopy();
    }

    /** Parses a {@code .conflist}. */
    public static CniNetworkConfig parseConflist(byte[] bytes, Path source) throws CniConfigException {
        return fromConflist(object(bytes), source);
    }

    /** Parses a {@code .conf} / {@code .json} holding one plugin, wrapping it in a one-element list. */
    public static CniNetworkConfig parseSinglePlugin(byte[] bytes, Path source) throws CniConfigException {
        ObjectNode plugin = object(bytes);
        if (!plugin.has("type") && plugin.has("plugins")) {
            throw new CniConfigException(
                    "has no \"type\" but a \"plugins\" list: a conflist needs the" + " .conflist extension");
        }
        ObjectNode list = CniJson.newObject();
        JsonNode version = plugin.get("cniVersion");
        if (version != null) {
            list.set("cniVersion", version.deepCopy());
        }
        JsonNode name = plugin.get("name");
        if (name != null) {
            list.set("name", name.deepCopy());
        }
        list.putArray("plugins").add(plugin.deepCopy());
        return fromConflist(list, source);
    }

    /** Validates a config in conflist form (from a file or from the result cache). */
    public static CniNetworkConfig fromConflist(ObjectNode list, Path source) throws CniConfigException {
        CniVersion version = selectVersion(list);
        String name = CniJson.string(list, "name");
        if (name == null || name.isEmpty()) {
            throw new CniConfigException("has no \"name\"");
        }
        if (!NAME.matcher(name).matches()) {
            throw new CniConfigException("has an invalid name \"" + name
                    + "\" (letters, digits, '_', '.', '-'; starting with a letter or digit)");
        }
        JsonNode pluginArray = list.get("plugins");
        if (!(pluginArray instanceof ArrayNode array)) {
            throw new CniConfigException("has no \"plugins\" list");
        }
        if (array.isEmpty()) {
            throw new CniConfigException("has an empty \"plugins\" list");
        }
        List<CniPluginConfig> plugins = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            plugins.add(CniPluginConfig.parse(array.get(i), i));
        }
        JsonNode disableCheck = list.get("disableCheck");
        ObjectNode normalized = list.deepCopy();
        normalized.put("cniVersion", version.toString());
        return new CniNetworkConfig(
                name, version, disableCheck != null && disableCheck.asBoolean(false), plugins, source, normalized);
    }

    /**
     * Since 1.1.0 a config may list every version it supports in {@code cniVersions}; the runtime then uses the
     * highest one it supports itself.
     */
    private static CniVersion selectVersion(ObjectNode list) throws CniConfigException {
        List<String> offered = CniJson.strings(list, "cniVersions");
        Optional<CniVersion> best = offered.stream()
                .flatMap(v -> CniVersion.parse(v).stream())
                .filter(v -> v.isSupported() || v.isLegacy())
                .max(CniVersion::compareTo);
        if (best.isPresent()) {
            return best.get();
        }
        String text = CniJson.string(list, "cniVersion");
        if (text == null || text.isEmpty()) {
            throw new CniConfigException(
                    offered.isEmpty()
                            ? "has no \"cniVersion\""
                            : "lists no supported version in \"cniVersions\" " + offered);
        }
        CniVersion version = CniVersion.parse(text)
                .orElseThrow(() -> new CniConfigException("has an invalid cniVersion \"" + text + "\""));
        if (!version.isSupported() && !version.isLegacy()) {
            throw new CniConfigException("has unsupported cniVersion " + version + " (jcri supports "
                    + CniVersion.SUPPORTED.stream().map(CniVersion::toString).toList() + ", and 0.3.x)");
        }
        return version;
    }

    private static ObjectNode object(byte[] bytes) throws CniConfigException {
        try {
            return CniJson.parseObject(bytes);
        } catch (CniJson.NotAnObject e) {
            throw new CniConfigException(e.getMessage());
        }
    }

    /** The plugin types in chain order, for messages. */
    public List<String> pluginTypes() {
        return plugins.stream().map(CniPluginConfig::type).toList();
    }
}
