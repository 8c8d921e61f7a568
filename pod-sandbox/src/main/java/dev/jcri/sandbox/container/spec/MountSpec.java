package dev.jcri.sandbox.container.spec;

/**
 * One CRI {@code Mount}: a host path bound into the container.
 *
 * @param recursiveReadOnly with {@code readonly}: submounts are read-only too (needs {@link Propagation#PRIVATE})
 */
public record MountSpec(String containerPath, String hostPath, boolean readonly, Propagation propagation,
        boolean recursiveReadOnly) {

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
