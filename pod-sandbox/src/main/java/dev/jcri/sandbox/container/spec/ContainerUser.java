package dev.jcri.sandbox.container.spec;

import java.util.List;

/**
 * The identity a container's process runs as.
 *
 * @param additionalGids every group set with setgroups(2), the primary gid first
 */
public record ContainerUser(long uid, long gid, List<Long> additionalGids) {
    public ContainerUser {
        additionalGids = List.copyOf(additionalGids);
    }
}
