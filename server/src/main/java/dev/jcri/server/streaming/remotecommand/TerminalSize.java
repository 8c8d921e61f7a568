package dev.jcri.server.streaming.remotecommand;

import tools.jackson.databind.JsonNode;

/** A resize message: {"Width":80,"Height":24}, field names as Go's encoder writes them (matched loosely). */
public record TerminalSize(int width, int height) {

    static TerminalSize fromJson(JsonNode json) {
        return new TerminalSize(field(json, "width"), field(json, "height"));
    }

    private static int field(JsonNode json, String name) {
        for (var entry : json.properties()) {
            if (entry.getKey().equalsIgnoreCase(name)) {
                return entry.getValue().asInt(0);
            }
        }
        return 0;
    }
}
