package dev.jcri.linux;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Deleting a directory tree without ever following a symlink out of it. */
public final class FileTree {
    private FileTree() {}

    /**
     * Deletes {@code path} and everything below it; a missing path is fine. Symlinks inside are removed, never
     * entered (walkFileTree does not follow links unless asked), which matters for image layers and container
     * writable layers whose links may point anywhere on the host. Mounts are never entered either: any mount at or
     * below {@code path} (a rootfs, a staged volume left by a crash) is detached first, so a delete can never
     * reach into a filesystem mounted there, such as a pod's volume.
     */
    public static void delete(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(path);
            return;
        }
        for (Path mountPoint : MountTable.pointsUnder(path)) {
            Mount.detach(mountPoint.toString());
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                if (failure instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw failure;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
