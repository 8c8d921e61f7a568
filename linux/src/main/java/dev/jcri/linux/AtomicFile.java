package dev.jcri.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old or the complete new content, even across a crash:
 * temp file in the same directory, fsync, rename, fsync of the directory.
 */
public final class AtomicFile {
    private AtomicFile() {}

    public static void write(Path target, byte[] content, String mode) throws IOException {
        replace(target, content, mode);
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * As {@link #write}, without the directory's fsync: readers still see the old or the complete new content, but
     * a crash of the node (not of the process) may bring the old content back. For files whose previous version
     * the caller accepts after such a crash; saves one fsync.
     */
    public static void replace(Path target, byte[] content, String mode) throws IOException {
        rename(target, content, mode, true);
    }

    /**
     * As {@link #replace}, with no fsync at all: readers (and a process that restarts) see the old or the complete
     * new content, but after a crash of the node the file may be missing, the old one, or empty. For write-ahead
     * records whose loss the next start makes up for in another way.
     */
    public static void replaceUnsynced(Path target, byte[] content, String mode) throws IOException {
        rename(target, content, mode, false);
    }

    private static void rename(Path target, byte[] content, String mode, boolean force) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
        Path temp = dir.resolve("." + target.getFileName() + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (FileChannel channel = FileChannel.open(
                    temp,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(perms))) {
                // The umask may have narrowed the create mode; set before the fsync, so the mode is durable too.
                Files.setPosixFilePermissions(temp, perms);
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                if (force) {
                    channel.force(true);
                }
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + temp + " to " + target + " atomically", e);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Makes a rename durable; Linux allows fsync on a directory opened read-only. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
