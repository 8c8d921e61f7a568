package dev.jcri.sandbox.container;

import dev.jcri.image.store.ImageRecord;
import dev.jcri.linux.ErrnoException;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.container.spec.MountSpec;
import dev.jcri.sandbox.container.spec.SandboxContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Image volumes (CRI {@code Mount.image}, KEP-4639): an image from the store mounted into a container read-only
 * and noexec. Each is an overlay of the image's layers without an upper dir, mounted under the bundle
 * ({@code image-volumes/<mount index>}) for the container's lifetime; the runtime bind-mounts the sub path of it
 * the request names. The container's image-store owner pins the layers and holds the image, so RemoveImage refuses
 * it until the container is removed. Deleting the bundle (removal, recovery, the orphan sweep) detaches the mounts.
 */
final class ImageVolumes {
    private ImageVolumes() {}

    /**
     * The images {@code spec}'s image mounts name, in the order of those mounts, resolved as ImageStatus does
     * (name, digest or ID). Kubelet pulls them before it creates the container: a missing one is NOT_FOUND.
     */
    static List<ContainerRecord.ImageReference> resolve(ContainerSpec spec, ContainerImages images) {
        List<ContainerRecord.ImageReference> resolved = new ArrayList<>();
        for (int i = 0; i < spec.mounts().size(); i++) {
            MountSpec.ImageVolume volume = spec.mounts().get(i).image();
            if (volume == null) {
                continue;
            }
            ImageRecord image = images.find(volume.reference())
                    .orElseThrow(
                            () -> new NotFoundException("image " + volume.reference() + " not found; pull it first"));
            resolved.add(new ContainerRecord.ImageReference(volume.reference(), image.id(), image.layers()));
        }
        return resolved;
    }

    /** Pins the layers of the container's image and of its image volumes, and holds the volumes' images. */
    static void pin(ContainerImages images, String owner, ContainerRecord record) {
        images.pin(
                owner,
                Stream.concat(
                                record.image().layers().stream(),
                                record.volumeImages().stream().flatMap(v -> v.layers().stream()))
                        .distinct()
                        .toList());
        if (!record.volumeImages().isEmpty()) {
            images.hold(
                    owner,
                    record.volumeImages().stream()
                            .map(ContainerRecord.ImageReference::id)
                            .distinct()
                            .toList());
        }
    }

    /**
     * Mounts each image volume under {@code dir} and returns the spec with each image mount's host path at its
     * resolved sub path; every mount point goes into {@code mounted} as soon as it is mounted, for {@link #release}.
     * A sub path that climbs out of the image or does not exist is INVALID_ARGUMENT naming the field.
     */
    static ContainerSpec stage(
            ContainerSpec spec,
            List<ContainerRecord.ImageReference> volumeImages,
            ContainerImages images,
            ContainerRootfs rootfs,
            SandboxContext sandbox,
            Path dir,
            List<Path> mounted)
            throws IOException {
        if (volumeImages.isEmpty()) {
            return spec;
        }
        List<MountSpec> mounts = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < spec.mounts().size(); i++) {
            MountSpec mount = spec.mounts().get(i);
            if (mount.image() == null) {
                mounts.add(mount);
                continue;
            }
            ContainerRecord.ImageReference image = volumeImages.get(next++);
            List<Path> layers = image.layers().stream().map(images::layerDiff).toList();
            Path target = dir.resolve(Integer.toString(i));
            try {
                rootfs.mountImageVolume(
                        target,
                        layers,
                        dir.resolve(i + ".empty"),
                        sandbox.users() == null ? null : Path.of(sandbox.usernsPath()),
                        sandbox.users(),
                        dir.resolve(i + ".layers"));
            } catch (ErrnoException e) {
                throw new IOException(
                        "mounts[" + i + "].image: " + image.requested() + " cannot be mounted: " + e.getMessage(), e);
            }
            mounted.add(target);
            Path source = ImageSubPath.resolve(target, mount.image().subPath(), "mounts[" + i + "].image_sub_path");
            mounts.add(mount.withHostPath(source.toString()));
        }
        return spec.withMounts(mounts);
    }

    /** Detaches the image volumes and deletes their mount points; idempotent. */
    static void release(ContainerRootfs rootfs, List<Path> mounted) throws IOException {
        for (Path target : mounted) {
            rootfs.unmount(target);
            Files.deleteIfExists(target);
            Files.deleteIfExists(target.resolveSibling(target.getFileName() + ".empty"));
        }
        mounted.clear();
    }
}
