package dev.jcri.server.play;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A YAML or JSON stream of {@code v1} Pods, ConfigMaps and Secrets (also inside a {@code v1/List}), parsed into
 * fabric8's model. Anything else is refused before a single object is created: other kinds, fields the model does
 * not know (fabric8 would keep them aside silently), two objects of a kind with the same name.
 */
public final class ManifestReader {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final Pattern OCTAL_MODE =
            Pattern.compile("((?:^|[\\s{,])(?:defaultMode|mode)\\s*:\\s*)0([0-7]+)(?![0-9])", Pattern.MULTILINE);

    public Manifests read(String text) throws PlayException {
        List<Pod> pods = new ArrayList<>();
        List<ConfigMap> configMaps = new ArrayList<>();
        List<Secret> secrets = new ArrayList<>();
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(octalModes(text))) {
            while (it.hasNextValue()) {
                documents.add(it.nextValue());
            }
        } catch (JacksonException e) {
            throw new PlayException("manifest is not valid YAML or JSON: " + e.getOriginalMessage());
        }
        int index = 0;
        for (JsonNode document : documents) {
            index++;
            if (document == null || document.isNull() || document.isMissingNode()) {
                continue;
            }
            String where = "document " + index;
            if (!document.isObject()) {
                throw new PlayException(where + ": not an object");
            }
            if (isKind(document, "List")) {
                int item = 0;
                for (JsonNode element : document.path("items")) {
                    add(element, where + " items[" + item++ + "]", pods, configMaps, secrets);
                }
            } else {
                add(document, where, pods, configMaps, secrets);
            }
        }
        requireUnique(pods, "pod");
        requireUnique(configMaps, "configmap");
        requireUnique(secrets, "secret");
        if (pods.isEmpty()) {
            throw new PlayException("manifest holds no v1 Pod");
        }
        return new Manifests(List.copyOf(pods), List.copyOf(configMaps), List.copyOf(secrets));
    }

    /**
     * File modes written {@code 0644}, as manifests do: kubectl reads YAML 1.1, where a leading zero means octal,
     * while this parser reads YAML 1.2, where it does not. Only {@code mode} and {@code defaultMode} values change.
     */
    static String octalModes(String text) {
        return OCTAL_MODE.matcher(text).replaceAll(m -> m.group(1) + Integer.parseInt(m.group(2), 8));
    }

    private static boolean isKind(JsonNode document, String kind) {
        return "v1".equals(document.path("apiVersion").asString(""))
                && kind.equals(document.path("kind").asString(""));
    }

    private static void add(
            JsonNode document, String where, List<Pod> pods, List<ConfigMap> configMaps, List<Secret> secrets)
            throws PlayException {
        String apiVersion = document.path("apiVersion").asString("");
        String kind = document.path("kind").asString("");
        String name = document.path("metadata").path("name").asString("");
        String object = where + " (" + (apiVersion.isEmpty() ? "?" : apiVersion) + " " + (kind.isEmpty() ? "?" : kind)
                + (name.isEmpty() ? "" : " \"" + name + "\"") + ")";
        if (!"v1".equals(apiVersion) || !Set.of("Pod", "ConfigMap", "Secret").contains(kind)) {
            throw new PlayException(
                    object + ": jcri play runs v1 Pods and reads the v1 ConfigMaps and Secrets they use;"
                            + " this kind is not supported");
        }
        if (name.isEmpty()) {
            throw PlayException.field(object, "metadata.name", "is required");
        }
        HasMetadata parsed;
        try {
            parsed = switch (kind) {
                case "Pod" -> YAML.treeToValue(document, Pod.class);
                case "ConfigMap" -> YAML.treeToValue(document, ConfigMap.class);
                default -> YAML.treeToValue(document, Secret.class);
            };
        } catch (JacksonException e) {
            throw PlayException.field(object, path(e), e.getOriginalMessage());
        }
        ObjectMeta metadata = parsed.getMetadata();
        if (metadata.getNamespace() == null || metadata.getNamespace().isEmpty()) {
            metadata.setNamespace("default");
        }
        String unknown = unknownField(parsed, "");
        if (unknown != null) {
            throw PlayException.field(object, unknown, "unknown field");
        }
        switch (parsed) {
            case Pod pod -> pods.add(pod);
            case ConfigMap configMap -> configMaps.add(configMap);
            case Secret secret -> secrets.add(secret);
            default -> throw new IllegalStateException(kind);
        }
    }

    /** The failing field as a manifest path: {@code spec.containers[0].ports[0].containerPort}. */
    private static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "(document)" : path.toString();
    }

    private static <T extends HasMetadata> void requireUnique(List<T> objects, String kind) throws PlayException {
        Set<String> seen = new HashSet<>();
        for (T object : objects) {
            String key = object.getMetadata().getNamespace() + "/"
                    + object.getMetadata().getName();
            if (!seen.add(key)) {
                throw new PlayException(kind + " \"" + key + "\" appears twice in the manifest");
            }
        }
    }

    /** The path of the first field fabric8 kept as an additional property, or null when it knew every field. */
    static String unknownField(Object value, String path) {
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                String found = unknownField(list.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String found = unknownField(entry.getValue(), path + "[" + entry.getKey() + "]");
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return null;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0
                    || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    return join(path, String.valueOf(extra.keySet().iterator().next()));
                }
                continue;
            }
            String name = getter.getName().substring(3);
            name = Character.toLowerCase(name.charAt(0)) + name.substring(1);
            String found = unknownField(child, join(path, name));
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
