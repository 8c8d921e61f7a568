package dev.jcri.image.registryconfig;

import dev.jcri.image.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * One containers-registries.conf (version 2) file, checked key by key.
 *
 * <p>Operators point jcri at the file they already use for CRI-O or Podman, so keys jcri does not implement
 * (short-name aliases, proxies, credential helpers) are skipped with a warning rather than refused; a key
 * jcri does implement but with the wrong type is an error, since guessing could e.g. silently drop
 * {@code blocked}.
 *
 * @param searchRegistries null when the file does not set {@code unqualified-search-registries}
 */
record RegistriesFile(Path path, List<String> searchRegistries, List<RegistryRule> rules) {
    private static final Logger LOG = LoggerFactory.getLogger(RegistriesFile.class);
    private static final TomlMapper TOML = new TomlMapper();

    static RegistriesFile read(Path file) throws IOException {
        JsonNode root;
        try {
            root = TOML.readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new InvalidRegistriesConfigException(file, "not valid TOML: " + e.getOriginalMessage(), e);
        }
        return new Reader(file).read(root);
    }

    private record Reader(Path file) {
        RegistriesFile read(JsonNode root) throws InvalidRegistriesConfigException {
            List<String> search = null;
            List<RegistryRule> rules = new ArrayList<>();
            for (Map.Entry<String, JsonNode> property : root.properties()) {
                String key = property.getKey();
                JsonNode value = property.getValue();
                switch (key) {
                    case "unqualified-search-registries" -> search = searchRegistries(value);
                    case "registry" -> rules = rules(value);
                    case "registries" ->
                        LOG.warn(
                                "{}: ignoring [registries.*] tables: only the version 2 format"
                                        + " ([[registry]], unqualified-search-registries) is supported",
                                file);
                    default -> ignored(key);
                }
            }
            return new RegistriesFile(file, search, List.copyOf(rules));
        }

        private List<String> searchRegistries(JsonNode value) throws InvalidRegistriesConfigException {
            String key = "unqualified-search-registries";
            List<String> registries = new ArrayList<>();
            for (JsonNode element : array(value, key)) {
                String registry = string(element, key);
                if (registry.isEmpty() || registry.contains("/") || !ImageReference.namesRegistry(registry)) {
                    throw error(
                            key,
                            "entry \"" + registry + "\" is not a registry host[:port] such as quay.io"
                                    + " or localhost:5000");
                }
                registries.add(registry);
            }
            return List.copyOf(registries);
        }

        private List<RegistryRule> rules(JsonNode value) throws InvalidRegistriesConfigException {
            List<RegistryRule> rules = new ArrayList<>();
            Set<String> prefixes = new HashSet<>();
            int index = 0;
            for (JsonNode table : array(value, "registry")) {
                RegistryRule rule = rule(table, "registry[" + index++ + "]");
                if (!prefixes.add(rule.prefix().value())) {
                    throw error("registry", "prefix \"" + rule.prefix() + "\" is defined more than once");
                }
                rules.add(rule);
            }
            return rules;
        }

        private RegistryRule rule(JsonNode table, String key) throws InvalidRegistriesConfigException {
            requireTable(table, key);
            String prefix = null;
            String location = null;
            boolean insecure = false;
            boolean blocked = false;
            boolean byDigestOnly = false;
            boolean mirrorUseSet = false;
            List<Mirror> mirrors = new ArrayList<>();
            for (Map.Entry<String, JsonNode> property : table.properties()) {
                String name = key + "." + property.getKey();
                JsonNode value = property.getValue();
                switch (property.getKey()) {
                    case "prefix" -> prefix = trimmed(string(value, name));
                    case "location" -> location = trimmed(string(value, name));
                    case "insecure" -> insecure = bool(value, name);
                    case "blocked" -> blocked = bool(value, name);
                    case "mirror-by-digest-only" -> byDigestOnly = bool(value, name);
                    case "mirror" -> {
                        int index = 0;
                        for (JsonNode mirror : array(value, name)) {
                            String mirrorKey = name + "[" + index++ + "]";
                            mirrorUseSet |= mirror.has("pull-from-mirror");
                            mirrors.add(mirror(mirror, mirrorKey));
                        }
                    }
                    default -> ignored(name);
                }
            }
            if (byDigestOnly && mirrorUseSet) {
                throw error(key, "\"pull-from-mirror\" may not be set on mirrors when \"mirror-by-digest-only\" is");
            }
            if (prefix == null || prefix.isEmpty()) {
                if (location == null || location.isEmpty()) {
                    throw error(key, "neither \"prefix\" nor \"location\" is set");
                }
                prefix = location;
            }
            if (location != null && location.isEmpty()) {
                location = null;
            }
            if (location != null) {
                checkLocation(location, key + ".location");
            }
            RegistryPrefix registryPrefix = new RegistryPrefix(prefix);
            checkPrefix(registryPrefix, key + ".prefix");
            if (location == null && !registryPrefix.isWildcard()) {
                location = prefix;
            }
            return new RegistryRule(registryPrefix, location, insecure, blocked, byDigestOnly, mirrors, file);
        }

        private Mirror mirror(JsonNode table, String key) throws InvalidRegistriesConfigException {
            requireTable(table, key);
            String location = null;
            boolean insecure = false;
            MirrorUse use = MirrorUse.ALL;
            for (Map.Entry<String, JsonNode> property : table.properties()) {
                String name = key + "." + property.getKey();
                JsonNode value = property.getValue();
                switch (property.getKey()) {
                    case "location" -> location = trimmed(string(value, name));
                    case "insecure" -> insecure = bool(value, name);
                    case "pull-from-mirror" -> {
                        String text = string(value, name);
                        use = MirrorUse.fromConfig(text);
                        if (use == null) {
                            throw error(name, "must be \"all\", \"digest-only\" or \"tag-only\", not \"" + text + "\"");
                        }
                    }
                    default -> ignored(name);
                }
            }
            if (location == null || location.isEmpty()) {
                throw error(key + ".location", "is required for a mirror");
            }
            checkLocation(location, key + ".location");
            return new Mirror(location, insecure, use);
        }

        private void checkPrefix(RegistryPrefix prefix, String key) throws InvalidRegistriesConfigException {
            String value = prefix.value();
            checkNoScheme(value, key);
            if (prefix.isWildcard()) {
                String host = value.substring(2);
                if (host.isEmpty() || host.contains("*") || host.contains("/") || host.contains(":")) {
                    throw error(
                            key,
                            "\"" + value + "\": a wildcard prefix must be a bare host such as"
                                    + " *.example.com (no port, path or further '*')");
                }
            } else if (value.contains("*")) {
                throw error(key, "\"" + value + "\": '*' is only allowed as a leading \"*.\"");
            } else if (!ImageReference.namesRegistry(firstComponent(value))) {
                throw error(
                        key,
                        "\"" + value + "\" must start with a registry host: references are matched in"
                                + " their full form, e.g. docker.io/library/busybox");
            }
        }

        private void checkLocation(String location, String key) throws InvalidRegistriesConfigException {
            checkNoScheme(location, key);
            if (location.contains("*") || !ImageReference.namesRegistry(firstComponent(location))) {
                throw error(key, "\"" + location + "\" must start with a registry host such as mirror.example.com");
            }
        }

        private void checkNoScheme(String value, String key) throws InvalidRegistriesConfigException {
            if (value.contains("://")) {
                throw error(
                        key,
                        "\"" + value + "\" must not contain a URL scheme; use insecure = true for" + " plain HTTP");
            }
        }

        private static String firstComponent(String value) {
            int slash = value.indexOf('/');
            return slash < 0 ? value : value.substring(0, slash);
        }

        private static String trimmed(String value) {
            String result = value.strip();
            while (result.endsWith("/")) {
                result = result.substring(0, result.length() - 1);
            }
            return result;
        }

        private void ignored(String key) {
            LOG.warn("{}: ignoring key \"{}\": jcri does not implement it", file, key);
        }

        private JsonNode array(JsonNode value, String key) throws InvalidRegistriesConfigException {
            if (!value.isArray()) {
                throw typeError(key, "an array", value);
            }
            return value;
        }

        private void requireTable(JsonNode value, String key) throws InvalidRegistriesConfigException {
            if (!value.isObject()) {
                throw typeError(key, "a table", value);
            }
        }

        private String string(JsonNode value, String key) throws InvalidRegistriesConfigException {
            if (!value.isString()) {
                throw typeError(key, "a string", value);
            }
            return value.stringValue();
        }

        private boolean bool(JsonNode value, String key) throws InvalidRegistriesConfigException {
            if (!value.isBoolean()) {
                throw typeError(key, "a boolean (true or false)", value);
            }
            return value.booleanValue();
        }

        private InvalidRegistriesConfigException typeError(String key, String expected, JsonNode actual) {
            return error(key, "must be " + expected + ", not " + describe(actual));
        }

        private static String describe(JsonNode node) {
            return switch (node.getNodeType()) {
                case STRING -> "the string " + node;
                case ARRAY -> "an array";
                case OBJECT -> "a table";
                case BOOLEAN -> "the boolean " + node;
                case NUMBER -> "the number " + node;
                default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
            };
        }

        private InvalidRegistriesConfigException error(String key, String problem) {
            return new InvalidRegistriesConfigException(file, "key \"" + key + "\" " + problem);
        }
    }
}
