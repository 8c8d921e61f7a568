package dev.jcri.server.rpc.pod;

import dev.jcri.server.rpc.FieldCheck;

/** The pod_sandbox_id field every pod RPC takes. */
public final class PodIds {
    private PodIds() {}

    public static String required(String id) {
        return FieldCheck.id("pod_sandbox_id", id);
    }
}
