package dev.jcri.linux;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
     * As {@link #write}, and {@code prerequisites} (files or directories written before) are durable before the
     * target's new content can be: they are fsynced together with the temp file, in parallel, before the rename.
     * For a record that is the commit point of what it names; concurrent fsyncs share the file system's journal
     * commits, so a batch costs about what one fsync does.
     */
    public static void writeAfter(Path target, byte[] content, String mode, Collection<Path> prerequisites)
            throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = tempFor(target);
        try {
            writeTemp(temp, content, mode, false);
            List<Path> batch = new ArrayList<>(prerequisites);
            batch.add(temp);
            syncAll(batch);
            moveIntoPlace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory(dir);
    }

    /** fsyncs every path (file or directory), in parallel; returns when all are durable. */
    public static void syncAll(Collection<Path> paths) throws IOException {
        if (paths.size() <= 1) {
            for (Path path : paths) {
                syncDirectory(path);
            }
            return;
        }
        List<Future<?>> syncs = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Path path : paths) {
                syncs.add(threads.submit(() -> {
                    syncDirectory(path);
                    return null;
                }));
            }
        }
        for (Future<?> sync : syncs) {
            try {
                sync.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IOException("fsync failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for fsyncs");
            }
        }
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
        Path temp = tempFor(target);
        try {
            writeTemp(temp, content, mode, force);
            moveIntoPlace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static Path tempFor(Path target) {
        return target.toAbsolutePath()
                .getParent()
                .resolve("." + target.getFileName() + ".tmp-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    private static void writeTemp(Path temp, byte[] content, String mode, boolean force) throws IOException {
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
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
    }

    private static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + temp + " to " + target + " atomically", e);
        }
    }

    /** Makes a rename durable (or a file's content); Linux allows fsync on a directory opened read-only. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
