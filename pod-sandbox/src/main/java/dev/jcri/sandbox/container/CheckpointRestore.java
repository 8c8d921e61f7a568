package dev.jcri.sandbox.container;

import dev.jcri.sandbox.checkpoint.CheckpointArchive;
import dev.jcri.sandbox.checkpoint.RootfsDiff;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * CreateContainer from a checkpoint archive (one CheckpointContainer wrote, or CRI-O or Podman): the CRI image
 * names the archive by its absolute path. The container gets the image the checkpoint was taken from, the
 * archive's rootfs changes on its new rootfs at CreateContainer, and its processes from CRIU at StartContainer
 * ({@code <runtime> restore}, run by conmon in place of {@code create}); its annotation {@value #RESTORED_FROM}
 * names the archive.
 */
final class CheckpointRestore {
    /** On a restored container's spec (so in ContainerStatus); jcri's own, refused in a request. */
    static final String RESTORED_FROM = "io.jcri.checkpoint.restored-from";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_METADATA = 4 << 20;

    /** @param imageName the image the container was created from, @param imageId its ID there */
    record Source(Path archive, String imageName, String imageId) {}

    private CheckpointRestore() {}

    /**
     * A container created from a checkpoint and not yet started: CREATED with no process (PID 0), so neither
     * runtime state nor conmon; CRIU's images wait in its record dir.
     */
    static boolean pending(ContainerRecord record) {
        return ContainerLaunch.pending(record) && record.spec().annotations().containsKey(RESTORED_FROM);
    }

    /** CRIU's image dir of a pending restore, as {@link #unpack} left it. */
    static Path criuImages(Path dir) {
        return dir.resolve(CheckpointArchive.CHECKPOINT_DIRECTORY);
    }

    /** The archive a CRI image names: an absolute path to a file (image references never start with "/"). */
    static Optional<Path> archiveOf(String image) {
        return image.startsWith("/") ? Optional.of(Path.of(image).normalize()) : Optional.empty();
    }

    /** The archive's config.dump, read without unpacking the rest. */
    static Source read(Path archive) throws IOException {
        if (!Files.isRegularFile(archive, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException(
                    "config.image.image: " + archive + " is no checkpoint archive (not a regular file)");
        }
        Optional<byte[]> found;
        try {
            found = CheckpointArchive.readFile(archive, CheckpointArchive.CONFIG_DUMP, MAX_METADATA);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "config.image.image: " + archive + " is no checkpoint archive: " + e.getMessage(), e);
        }
        byte[] config = found.orElseThrow(() -> new IllegalArgumentException("config.image.image: " + archive
                + " is no checkpoint archive (no " + CheckpointArchive.CONFIG_DUMP + ")"));
        try {
            JsonNode dump = JSON.readTree(config);
            String name = dump.path("rootfsImageName").asString("");
            String id = dump.path("rootfsImageRef").asString("");
            if (name.isEmpty() && id.isEmpty()) {
                throw new IllegalArgumentException("config.image.image: " + archive + ": "
                        + CheckpointArchive.CONFIG_DUMP + " names no image (rootfsImageName, rootfsImageRef)");
            }
            return new Source(archive, name.isEmpty() ? id : name, id);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    "config.image.image: " + archive + ": " + CheckpointArchive.CONFIG_DUMP + " is no JSON", e);
        }
    }

    /**
     * Unpacks the archive into {@code dir} and applies its rootfs changes to the mounted {@code rootfs}; returns
     * CRIU's image directory for the restore.
     */
    static Path unpack(Source source, Path dir, Path rootfs) throws IOException {
        Files.createDirectories(dir);
        CheckpointArchive.extract(source.archive(), dir);
        List<String> deleted = new ArrayList<>();
        Path deletedFiles = dir.resolve(CheckpointArchive.DELETED_FILES);
        if (Files.isRegularFile(deletedFiles)) {
            for (JsonNode path : JSON.readTree(deletedFiles.toFile())) {
                deleted.add(path.asString());
            }
        }
        RootfsDiff.apply(dir.resolve(CheckpointArchive.ROOTFS_DIFF), deleted, rootfs);
        return criuImages(dir);
    }
}
