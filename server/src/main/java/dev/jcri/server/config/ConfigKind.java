package dev.jcri.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** The value types a configuration key can hold, with how each is read from TOML and from a flag. */
public enum ConfigKind {
    STRING("a string"),
    ABSOLUTE_PATH("an absolute path"),
    /** A unix socket as a path or as the endpoint kubelet and crictl write, {@code unix:///path}; kept as the path. */
    SOCKET_PATH("an absolute path or unix:///path"),
    PATH_LIST("an array of absolute paths"),
    STRING_LIST("an array of strings"),
    BOOLEAN("true or false"),
    PORT("an integer port between 0 and 65535"),
    POSITIVE_INT("a positive integer"),
    DURATION_SECONDS("a number of seconds (integer >= 0)");

    private final String expectation;

    ConfigKind(String expectation) {
        this.expectation = expectation;
    }

    public String expectation() {
        return expectation;
    }

    /** Converts a TOML node, or explains in one phrase why it does not fit. */
    Object fromToml(JsonNode node) throws ValueRejected {
        return switch (this) {
            case STRING -> {
                if (!node.isString()) throw rejected(node);
                yield node.asString();
            }
            case ABSOLUTE_PATH -> {
                if (!node.isString()) throw rejected(node);
                yield absolutePath(node.asString());
            }
            case SOCKET_PATH -> {
                if (!node.isString()) throw rejected(node);
                yield socketPath(node.asString());
            }
            case PATH_LIST -> {
                if (!node.isArray()) throw rejected(node);
                List<String> paths = new ArrayList<>();
                for (JsonNode element : node) {
                    if (!element.isString()) throw rejected(node);
                    paths.add(absolutePath(element.asString()));
                }
                yield List.copyOf(paths);
            }
            case STRING_LIST -> {
                if (!node.isArray()) throw rejected(node);
                List<String> strings = new ArrayList<>();
                for (JsonNode element : node) {
                    if (!element.isString()) throw rejected(node);
                    strings.add(element.asString());
                }
                yield List.copyOf(strings);
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) throw rejected(node);
                yield node.asBoolean();
            }
            case PORT -> {
                if (!node.isIntegralNumber()) throw rejected(node);
                yield port(node.asLong());
            }
            case POSITIVE_INT -> {
                if (!node.isIntegralNumber() || node.asLong() < 1 || node.asLong() > Integer.MAX_VALUE) {
                    throw rejected(node);
                }
                yield (int) node.asLong();
            }
            case DURATION_SECONDS -> {
                if (!node.isIntegralNumber() || node.asLong() < 0) throw rejected(node);
                yield node.asLong();
            }
        };
    }

    /** Converts a command-line flag's text. */
    Object fromFlag(String text) throws ValueRejected {
        return switch (this) {
            case STRING -> text;
            case ABSOLUTE_PATH -> absolutePath(text);
            case SOCKET_PATH -> socketPath(text);
            case PATH_LIST -> {
                List<String> paths = new ArrayList<>();
                for (String part : text.split(",")) {
                    if (!part.isBlank()) paths.add(absolutePath(part.strip()));
                }
                yield List.copyOf(paths);
            }
            case STRING_LIST -> {
                List<String> strings = new ArrayList<>();
                for (String part : text.split(",")) {
                    if (!part.isBlank()) strings.add(part.strip());
                }
                yield List.copyOf(strings);
            }
            case BOOLEAN ->
                switch (text) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new ValueRejected("expected " + expectation + ", got \"" + text + "\"");
                };
            case PORT -> port(parseLong(text));
            case POSITIVE_INT -> {
                long value = parseLong(text);
                if (value < 1 || value > Integer.MAX_VALUE) {
                    throw new ValueRejected("expected " + expectation + ", got " + text);
                }
                yield (int) value;
            }
            case DURATION_SECONDS -> {
                long value = parseLong(text);
                if (value < 0) throw new ValueRejected("expected " + expectation + ", got " + text);
                yield value;
            }
        };
    }

    private long parseLong(String text) throws ValueRejected {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new ValueRejected("expected " + expectation + ", got \"" + text + "\"");
        }
    }

    private int port(long value) throws ValueRejected {
        if (value < 0 || value > 65535) {
            throw new ValueRejected("expected " + expectation + ", got " + value);
        }
        return (int) value;
    }

    /** The path of a unix socket endpoint; any other scheme is refused, since jcri serves only a unix socket. */
    static String socketPath(String text) throws ValueRejected {
        if (text.startsWith("unix://")) {
            String path = text.substring("unix://".length());
            if (!path.startsWith("/")) {
                throw new ValueRejected(
                        "expected unix:// followed by an absolute path (unix:///run/jcri/jcri.sock), got \"" + text
                                + "\"");
            }
            return path;
        }
        if (text.contains("://")) {
            throw new ValueRejected("jcri serves the CRI only on a unix socket: expected an absolute path or "
                    + "unix:///path, got \"" + text + "\"");
        }
        return absolutePath(text);
    }

    private static String absolutePath(String text) throws ValueRejected {
        if (!text.startsWith("/")) {
            throw new ValueRejected("expected an absolute path, got \"" + text + "\"");
        }
        return text;
    }

    private ValueRejected rejected(JsonNode node) {
        return new ValueRejected("expected " + expectation + ", got " + describe(node));
    }

    static String describe(JsonNode node) {
        if (node.isString()) return "the string \"" + node.asString() + "\"";
        if (node.isIntegralNumber()) return "the integer " + node.asString();
        if (node.isNumber()) return "the number " + node.asString();
        if (node.isBoolean()) return node.asString();
        if (node.isArray()) return "an array";
        if (node.isObject()) return "a table";
        return node.getNodeType().name().toLowerCase();
    }

    /** Thrown while converting; the loader adds the file and key. */
    static final class ValueRejected extends Exception {
        ValueRejected(String message) {
            super(message, null, false, false);
        }
    }

    static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug", "trace");
}
