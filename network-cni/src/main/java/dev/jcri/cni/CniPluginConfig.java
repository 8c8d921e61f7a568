package dev.jcri.cni;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One plugin of a network's chain: its {@code type} (the binary's name), the capabilities it declares, and
 * its config object as written by the operator.
 */
public record CniPluginConfig(String type, Set<String> capabilities, ObjectNode json) {
    public CniPluginConfig {
        capabilities = Set.copyOf(capabilities);
        json = json.deepCopy();
    }

    static CniPluginConfig parse(JsonNode node, int index) throws CniConfigException {
        if (!(node instanceof ObjectNode object)) {
            throw new CniConfigException("plugins[" + index + "] is not a JSON object");
        }
        String type = CniJson.string(object, "type");
        if (type == null || type.isBlank()) {
            throw new CniConfigException("plugins[" + index + "] has no \"type\"");
        }
        // The type names a binary inside the bin dirs; a path would escape them.
        if (type.contains("/") || type.equals(".") || type.equals("..") || type.contains("\0")) {
            throw new CniConfigException("plugins[" + index + "] has an invalid \"type\" " + type);
        }
        Set<String> capabilities = new LinkedHashSet<>();
        JsonNode declared = object.get("capabilities");
        if (declared != null && declared.isObject()) {
            for (Map.Entry<String, JsonNode> e : declared.properties()) {
                if (e.getValue().isBoolean() && e.getValue().booleanValue()) {
                    capabilities.add(e.getKey());
                }
            }
        }
        return new CniPluginConfig(type, capabilities, object);
    }

    /**
     * The {@code runtimeConfig} for this plugin: only the capability args it declares (libcni's rule, so that a
     * plugin never sees args it did not ask for), or empty if none apply.
     */
    public Optional<ObjectNode> runtimeConfig(ObjectNode capabilityArgs) {
        ObjectNode runtimeConfig = CniJson.newObject();
        for (String capability : capabilities) {
            JsonNode value = capabilityArgs.get(capability);
            if (value != null && !value.isNull()) {
                runtimeConfig.set(capability, value.deepCopy());
            }
        }
        return runtimeConfig.isEmpty() ? Optional.empty() : Optional.of(runtimeConfig);
    }

    /**
     * The JSON this plugin gets on stdin: its own config plus the network's {@code name} and {@code cniVersion},
     * the {@code runtimeConfig} it asked for, and {@code prevResult} when there is one.
     */
    public ObjectNode invocationConfig(
            String networkName, CniVersion cniVersion, JsonNode prevResult, ObjectNode capabilityArgs) {
        ObjectNode config = json.deepCopy();
        config.put("cniVersion", cniVersion.toString());
        config.put("name", networkName);
        config.remove("prevResult");
        if (prevResult != null && !prevResult.isNull()) {
            config.set("prevResult", prevResult.deepCopy());
        }
        runtimeConfig(capabilityArgs).ifPresent(rc -> {
            // Static runtimeConfig keys from the file stay unless the runtime supplies the same key.
            JsonNode existing = config.get("runtimeConfig");
            ObjectNode merged = existing instanceof ObjectNode o ? o : CniJson.newObject();
            merged.setAll(rc);
            config.set("runtimeConfig", merged);
        });
        return config;
    }
}
