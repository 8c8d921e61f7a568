package dev.jcri.sandbox.container.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.jcri.sandbox.ns.UserMappings;

/**
 * One CRI {@code Mount}: a host path bound into the container.
 *
 * @param recursiveReadOnly with {@code readonly}: submounts are read-only too (needs {@link Propagation#PRIVATE})
 * @param idmap the CRI's {@code uid_mappings}/{@code gid_mappings}: shown through an idmapped mount of the pod's
 *     user namespace (kubelet sets them, equal to the pod's, for the volumes of a pod with its own users); null
 *     for a plain bind mount
 * @param image the CRI's {@code image} and {@code image_sub_path}: an image volume (KEP-4639), the image's layers
 *     mounted read-only and noexec; {@code hostPath} is then empty until the create points it at the staged mount;
 *     null for a bind of a host path
 */
public record MountSpec(
        String containerPath,
        String hostPath,
        boolean readonly,
        Propagation propagation,
        boolean recursiveReadOnly,
        UserMappings idmap,
        // Left out when absent, so records of containers without image volumes keep the first jcri's form.
        @JsonInclude(JsonInclude.Include.NON_NULL) ImageVolume image) {

    public MountSpec(
            String containerPath,
            String hostPath,
            boolean readonly,
            Propagation propagation,
            boolean recursiveReadOnly,
            UserMappings idmap) {
        this(containerPath, hostPath, readonly, propagation, recursiveReadOnly, idmap, null);
    }

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

    /** The same mount with another host path: where a volume was staged or resolved to. */
    public MountSpec withHostPath(String newHostPath) {
        return new MountSpec(containerPath, newHostPath, readonly, propagation, recursiveReadOnly, idmap, image);
    }

    /**
     * An image mounted as a volume.
     *
     * @param reference the image as the request named it (name, digest or ID, as ImageStatus takes it)
     * @param subPath a path inside the image to mount instead of its root; empty for the root
     */
    public record ImageVolume(String reference, String subPath) {
        public ImageVolume {
            reference = ContainerSpec.orEmpty(reference);
            subPath = ContainerSpec.orEmpty(subPath);
        }
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
