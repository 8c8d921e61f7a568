package dev.jcri.sandbox.container;

import dev.jcri.sandbox.ns.UserMappings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Mounts a container's root filesystem; {@link RootfsMount#overlay()} is the node's overlayfs. */
public interface ContainerRootfs {
    /** @param layersBottomFirst the image's layer diff dirs, bottom layer first */
    void mount(Path target, List<Path> layersBottomFirst, Path upper, Path work) throws IOException;

    /** For a pod with its own users: the layers through idmapped mounts of its user namespace. */
    void mountIdmapped(
            Path target,
            List<Path> layersBottomFirst,
            Path upper,
            Path work,
            Path usernsPin,
            UserMappings users,
            Path scratch)
            throws IOException;

    /**
     * An image volume: the layers read-only, nosuid, nodev, noexec, without an upper dir.
     *
     * @param usernsPin the pod's user namespace, whose mapping the layers are shown through; null for none
     */
    void mountImageVolume(
            Path target,
            List<Path> layersBottomFirst,
            Path emptyLower,
            Path usernsPin,
            UserMappings users,
            Path scratch)
            throws IOException;

    /** Idempotent: a target that is not mounted (any more) is fine. */
    void unmount(Path target) throws IOException;
}
