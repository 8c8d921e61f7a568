package dev.jcri.cni;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The JSON codec for CNI documents (configs, results, errors, cache entries). */
final class CniJson {
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private CniJson() {}

    /** Parses a JSON object, or explains in one line why the bytes are not one. */
    static ObjectNode parseObject(byte[] bytes) throws NotAnObject {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new NotAnObject("invalid JSON: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new NotAnObject("empty document");
        }
        if (!(node instanceof ObjectNode object)) {
            throw new NotAnObject(
                    "expected a JSON object, got " + node.getNodeType().name().toLowerCase());
        }
        return object;
    }

    static byte[] bytes(JsonNode node) {
        return MAPPER.writeValueAsBytes(node);
    }

    static byte[] prettyBytes(JsonNode node) {
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
    }

    static ObjectNode newObject() {
        return MAPPER.createObjectNode();
    }

    /** A string field, or null when absent or of another type. */
    static String string(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isString() ? value.stringValue() : null;
    }

    static List<String> strings(JsonNode node, String field) {
        JsonNode value = node.get(field);
        List<String> out = new ArrayList<>();
        if (value != null && value.isArray()) {
            for (JsonNode element : value) {
                if (element.isString()) {
                    out.add(element.stringValue());
                }
            }
        }
        return List.copyOf(out);
    }

    /** Plugin output in an error message: trimmed, bounded, one line. */
    static String snippet(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
        return text.length() <= 400 ? text : text.substring(0, 400) + "...";
    }

    /** Why bytes are not a JSON object. */
    static final class NotAnObject extends Exception {
        NotAnObject(String message) {
            super(message);
        }
    }
}
