package dev.jcri.sandbox.container.spec;

import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A generated OCI runtime {@code config.json} and the identity the process runs as (for ContainerStatus.user).
 *
 * @param additionalGids the supplementary groups, the primary gid first
 */
public record OciSpec(ObjectNode json, long uid, long gid, List<Long> additionalGids) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public OciSpec {
        additionalGids = List.copyOf(additionalGids);
    }

    /** The config.json content, indented so that a person debugging a container can read it. */
    public byte[] bytes() {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
    }
}
