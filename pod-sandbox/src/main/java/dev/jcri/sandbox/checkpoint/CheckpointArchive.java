package dev.jcri.sandbox.checkpoint;

import dev.jcri.linux.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A container checkpoint as one uncompressed tar, in the layout CRI-O and Podman write and checkpointctl reads:
 *
 * <pre>
 * checkpoint/        CRIU's image directory (pstree.img, core-*.img, pages-*.img, ...)
 * config.dump        the container's metadata (ID, name, image, runtime, times), checkpointctl's ContainerConfig
 * spec.dump          the OCI config.json, with the CRI annotations checkpointctl shows (container, pod, namespace)
 * rootfs-diff.tar    what the container wrote to its rootfs (see RootfsDiff)
 * deleted.files      JSON list of the rootfs paths it deleted
 * dump.log           CRIU's log of the dump
 * container.log      the container's CRI log at checkpoint time
 * </pre>
 *
 * Written to a hidden temp file next to the target and renamed over it only when complete, so a failure leaves
 * no partial archive.
 */
public final class CheckpointArchive {
    public static final String CHECKPOINT_DIRECTORY = "checkpoint";
    public static final String CONFIG_DUMP = "config.dump";
    public static final String SPEC_DUMP = "spec.dump";
    public static final String ROOTFS_DIFF = "rootfs-diff.tar";
    public static final String DELETED_FILES = "deleted.files";
    public static final String DUMP_LOG = "dump.log";
    public static final String CONTAINER_LOG = "container.log";

    /** Archives larger than this are refused on reading: a checkpoint holds a container's memory, not a disk. */
    static final long MAX_EXTRACTED_BYTES = 64L * 1024 * 1024 * 1024;

    private CheckpointArchive() {}

    /** Packs the staging directory's content (files and directories, sorted) into the archive at {@code location}. */
    public static void write(Path staging, Path location) throws IOException {
        Path parent = location.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(parent, "." + location.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (OutputStream file = Files.newOutputStream(temp);
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                add(staging, staging, tar);
                tar.finish();
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, location, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            AtomicFile.syncDirectory(parent);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static void add(Path staging, Path dir, TarArchiveOutputStream tar) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(children::add);
        }
        children.sort(null);
        for (Path child : children) {
            String name = staging.relativize(child).toString();
            if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                TarArchiveEntry entry = new TarArchiveEntry(name + "/");
                entry.setMode(0755);
                entry.setModTime(Files.getLastModifiedTime(child));
                tar.putArchiveEntry(entry);
                tar.closeArchiveEntry();
                add(staging, child, tar);
            } else if (Files.isRegularFile(child, LinkOption.NOFOLLOW_LINKS)) {
                TarArchiveEntry entry = new TarArchiveEntry(name);
                entry.setMode(0600);
                entry.setSize(Files.size(child));
                entry.setModTime(Files.getLastModifiedTime(child));
                tar.putArchiveEntry(entry);
                try (InputStream in = Files.newInputStream(child)) {
                    in.transferTo(tar);
                }
                tar.closeArchiveEntry();
            }
            // CRIU writes only files and directories into its image directory; anything else is not checkpoint data.
        }
    }

    /** One top-level file of an archive, read without unpacking the rest; empty when there is none. */
    public static Optional<byte[]> readFile(Path archive, String name, int max) throws IOException {
        try (InputStream file = Files.newInputStream(archive);
                TarArchiveInputStream tar = new TarArchiveInputStream(file)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String entryName =
                        entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                if (entryName.equals(name) && entry.isFile() && !entry.isSymbolicLink() && !entry.isLink()) {
                    if (entry.getSize() > max) {
                        throw new IOException(archive + ": " + name + " is larger than " + max + " bytes");
                    }
                    return Optional.of(tar.readNBytes(max));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Unpacks an archive into the empty directory {@code into}: only files and directories, every name inside
     * it (no absolute names, no {@code ..}, no links), at most {@link #MAX_EXTRACTED_BYTES} in all.
     */
    public static void extract(Path archive, Path into) throws IOException {
        long total = 0;
        try (InputStream file = Files.newInputStream(archive);
                TarArchiveInputStream tar = new TarArchiveInputStream(file)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = RootfsDiff.inside(into, entry.getName());
                if (entry.isSymbolicLink() || entry.isLink()) {
                    throw new IOException("checkpoint archive " + archive + ": entry " + entry.getName()
                            + " is a link, which no checkpoint holds");
                } else if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isFile()) {
                    Files.createDirectories(target.getParent());
                    total += Files.copy(tar, target);
                    if (total > MAX_EXTRACTED_BYTES) {
                        throw new IOException(
                                "checkpoint archive " + archive + " holds more than " + MAX_EXTRACTED_BYTES + " bytes");
                    }
                } else {
                    throw new IOException("checkpoint archive " + archive + ": entry " + entry.getName()
                            + " is neither a file nor a directory");
                }
            }
        }
        if (!Files.isDirectory(into.resolve(CHECKPOINT_DIRECTORY)) || !Files.isRegularFile(into.resolve(SPEC_DUMP))) {
            throw new IOException("checkpoint archive " + archive + " has no " + CHECKPOINT_DIRECTORY + "/ or "
                    + SPEC_DUMP + ": not a container checkpoint");
        }
    }
}
