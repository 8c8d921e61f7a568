package dev.jcri.image.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The parts of an image config (OCI image spec "config" object) a runtime needs to start a container and to
 * answer ImageStatus.
 */
public record ImageConfigSummary(
        String user,
        List<String> env,
        List<String> entrypoint,
        List<String> cmd,
        String workingDir,
        String stopSignal,
        Map<String, String> labels,
        List<String> volumes,
        List<String> exposedPorts,
        String created,
        String os,
        String architecture) {

    public ImageConfigSummary {
        user = user == null ? "" : user;
        env = env == null ? List.of() : List.copyOf(env);
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        workingDir = workingDir == null ? "" : workingDir;
        stopSignal = stopSignal == null ? "" : stopSignal;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
        created = created == null ? "" : created;
        os = os == null ? "" : os;
        architecture = architecture == null ? "" : architecture;
    }

    /** Reads the config JSON; absent fields are empty, as the image spec makes every one optional. */
    public static ImageConfigSummary of(JsonNode image) {
        JsonNode config = image.path("config");
        return new ImageConfigSummary(
                text(config, "User"),
                strings(config.path("Env")),
                strings(config.path("Entrypoint")),
                strings(config.path("Cmd")),
                text(config, "WorkingDir"),
                text(config, "StopSignal"),
                stringMap(config.path("Labels")),
                keys(config.path("Volumes")),
                keys(config.path("ExposedPorts")),
                text(image, "created"),
                text(image, "os"),
                text(image, "architecture"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isString() ? value.asString() : "";
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(e -> out.add(e.asString("")));
        }
        return out;
    }

    private static Map<String, String> stringMap(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        if (object.isObject()) {
            object.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
        }
        return out;
    }

    private static List<String> keys(JsonNode object) {
        List<String> out = new ArrayList<>();
        if (object.isObject()) {
            object.properties().forEach(e -> out.add(e.getKey()));
        }
        return out;
    }
}
