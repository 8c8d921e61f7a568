package dev.jcri.sandbox.container.spec;

import dev.jcri.sandbox.ns.UserMappings;

/**
 * One CRI {@code Mount}: a host path bound into the container.
 *
 * @param recursiveReadOnly with {@code readonly}: submounts are read-only too (needs {@link Propagation#PRIVATE})
 * @param idmap the CRI's {@code uid_mappings}/{@code gid_mappings}: shown through an idmapped mount of the pod's
 *     user namespace (kubelet sets them, equal to the pod's, for the volumes of a pod with its own users); null
 *     for a plain bind mount
 */
public record MountSpec(
        String containerPath,
        String hostPath,
        boolean readonly,
        Propagation propagation,
        boolean recursiveReadOnly,
        UserMappings idmap) {

    public MountSpec(
            String containerPath,
            String hostPath,
            boolean readonly,
            Propagation propagation,
            boolean recursiveReadOnly) {
        this(containerPath, hostPath, readonly, propagation, recursiveReadOnly, null);
    }

    public MountSpec {
        containerPath = ContainerSpec.orEmpty(containerPath);
        hostPath = ContainerSpec.orEmpty(hostPath);
        propagation = propagation == null ? Propagation.PRIVATE : propagation;
    }

    /** CRI {@code MountPropagation}. */
    public enum Propagation {
        /** No propagation either way ({@code rprivate}). */
        PRIVATE,
        /** Host mounts appear in the container ({@code rslave}). */
        HOST_TO_CONTAINER,
        /** Both ways ({@code rshared}); privileged containers only. */
        BIDIRECTIONAL
    }
}
