package dev.jcri.sandbox.container.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a container's seccomp choice into the OCI {@code linux.seccomp} section.
 *
 * <p>Profiles use the OCI layout plus the rule conditions Docker's profile format introduced: a rule with
 * {@code includes.caps} applies only when the container holds one of those capabilities, one with
 * {@code excludes.caps} only when it holds none; so the RuntimeDefault profile opens {@code mount} to a container
 * granted CAP_SYS_ADMIN, and nothing else does. {@code archMap} (Docker) becomes the OCI architecture list.
 * Privileged containers get no filter, as Kubernetes defines privileged.
 */
public final class SeccompFilters {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String BUILT_IN = "seccomp-runtime-default.json";

    private final JsonNode runtimeDefault;

    private SeccompFilters(JsonNode runtimeDefault) {
        this.runtimeDefault = runtimeDefault;
    }

    /** jcri's own RuntimeDefault profile, shipped in the jar. */
    public static SeccompFilters builtIn() {
        try (InputStream in = SeccompFilters.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException(BUILT_IN + " is missing from the jar");
            }
            return new SeccompFilters(JSON.readTree(in));
        } catch (IOException e) {
            throw new IllegalStateException("reading " + BUILT_IN + ": " + e.getMessage(), e);
        }
    }

    /** An operator's RuntimeDefault profile (config {@code seccomp.default_profile}), checked at startup. */
    public static SeccompFilters withDefault(Path profile) throws IOException {
        try {
            return new SeccompFilters(load(profile, "seccomp.default_profile"));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The OCI section, or null for no filter. */
    ObjectNode forContainer(SeccompProfile choice, Set<String> capabilities, boolean privileged) {
        if (privileged || choice.kind() == SeccompProfile.Kind.UNCONFINED) {
            return null;
        }
        JsonNode profile = choice.kind() == SeccompProfile.Kind.RUNTIME_DEFAULT
                ? runtimeDefault
                : load(Path.of(choice.localhostPath()), "seccomp.localhost_ref");
        return resolve(profile, capabilities);
    }

    private static JsonNode load(Path path, String field) {
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException(field + ": \"" + path + "\" is not an absolute path");
        }
        JsonNode profile;
        try {
            profile = JSON.readTree(Files.readString(path));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(field + ": seccomp profile " + path + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    field + ": seccomp profile " + path + " is unreadable: " + e.getMessage());
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    field + ": seccomp profile " + path + " is not JSON: " + e.getOriginalMessage());
        }
        if (!profile.path("defaultAction").isString()) {
            throw new IllegalArgumentException(field + ": seccomp profile " + path + " has no defaultAction");
        }
        return profile;
    }

    private static ObjectNode resolve(JsonNode profile, Set<String> capabilities) {
        ObjectNode seccomp = JSON.createObjectNode();
        seccomp.put("defaultAction", profile.get("defaultAction").asString());
        if (profile.has("defaultErrnoRet")) {
            seccomp.put("defaultErrnoRet", profile.get("defaultErrnoRet").asInt());
        }
        ArrayNode architectures = seccomp.putArray("architectures");
        if (profile.path("architectures").isArray()) {
            profile.get("architectures").forEach(a -> architectures.add(a.asString()));
        } else if (profile.path("archMap").isArray()) {
            for (JsonNode entry : profile.get("archMap")) {
                architectures.add(entry.path("architecture").asString());
                entry.path("subArchitectures").forEach(a -> architectures.add(a.asString()));
            }
        } else {
            hostArchitectures().forEach(architectures::add);
        }
        if (profile.path("flags").isArray()) {
            seccomp.set("flags", profile.get("flags"));
        }
        ArrayNode syscalls = seccomp.putArray("syscalls");
        for (JsonNode rule : profile.path("syscalls")) {
            if (!applies(rule, capabilities)) {
                continue;
            }
            ObjectNode out = syscalls.addObject();
            out.set(
                    "names",
                    rule.has("names")
                            ? rule.get("names")
                            : JSON.createArrayNode().add(rule.path("name")));
            out.put("action", rule.path("action").asString());
            if (rule.has("errnoRet")) {
                out.put("errnoRet", rule.get("errnoRet").asInt());
            }
            if (rule.path("args").isArray() && !rule.get("args").isEmpty()) {
                out.set("args", rule.get("args"));
            }
        }
        return seccomp;
    }

    private static boolean applies(JsonNode rule, Set<String> capabilities) {
        JsonNode includes = rule.path("includes").path("caps");
        if (includes.isArray() && !includes.isEmpty() && !anyHeld(includes, capabilities)) {
            return false;
        }
        JsonNode excludes = rule.path("excludes").path("caps");
        return !(excludes.isArray() && anyHeld(excludes, capabilities));
    }

    private static boolean anyHeld(JsonNode names, Set<String> capabilities) {
        for (JsonNode name : names) {
            if (capabilities.contains(name.asString())) {
                return true;
            }
        }
        return false;
    }

    /** The native architecture and the compatible ones a 64-bit process may also enter through. */
    private static java.util.List<String> hostArchitectures() {
        return switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> java.util.List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
            case "aarch64", "arm64" -> java.util.List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
            default -> java.util.List.of();
        };
    }
}
