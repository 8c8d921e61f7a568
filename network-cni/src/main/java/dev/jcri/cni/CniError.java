package dev.jcri.cni;

import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The error a plugin prints on stdout when it fails: {@code {cniVersion, code, msg, details}}.
 *
 * <p>Codes 1-99 are the spec's well-known ones (e.g. 1 incompatible version, 7 invalid config, 11 try again
 * later, 50/51 STATUS not available); 100 and above are plugin-specific.
 */
public record CniError(String cniVersion, int code, String msg, String details) {
    public static final int INCOMPATIBLE_VERSION = 1;
    public static final int TRY_AGAIN_LATER = 11;
    public static final int PLUGIN_NOT_AVAILABLE = 50;
    public static final int PLUGIN_NOT_AVAILABLE_CONTAINERS_DAMAGED = 51;

    /** The error in a plugin's stdout, if it holds one (an object with a numeric {@code code}). */
    public static Optional<CniError> parse(byte[] stdout) {
        ObjectNode json;
        try {
            json = CniJson.parseObject(stdout);
        } catch (CniJson.NotAnObject e) {
            return Optional.empty();
        }
        JsonNode code = json.get("code");
        if (code == null || !code.isIntegralNumber() || !code.canConvertToInt()) {
            return Optional.empty();
        }
        return Optional.of(new CniError(
                nullToEmpty(CniJson.string(json, "cniVersion")),
                code.intValue(),
                nullToEmpty(CniJson.string(json, "msg")),
                nullToEmpty(CniJson.string(json, "details"))));
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
