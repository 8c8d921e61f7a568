package dev.jcri.server.rpc.pod;

/** The pod_sandbox_id field every pod RPC takes. */
public final class PodIds {
    private PodIds() {}

    public static String required(String id) {
        String trimmed = id.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("pod_sandbox_id: required");
        }
        return trimmed;
    }
}
