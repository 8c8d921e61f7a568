package dev.jcri.image.store;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * Bytes and inodes a directory tree holds, as kubelet's image garbage collector reads them from ImageFsInfo.
 *
 * <p>Hardlinked files count once (by inode), as {@code du} and containers/storage count them; files that vanish
 * during the walk (a concurrent removal) are skipped rather than failing the call.
 */
public record StoreUsage(long bytes, long inodes) {

    public static StoreUsage measure(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return new StoreUsage(0, 0);
        }
        Set<Object> seen = new HashSet<>();
        long[] bytes = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                count(attrs);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                count(attrs);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            private void count(BasicFileAttributes attrs) {
                Object key = attrs.fileKey();
                if (key == null || seen.add(key)) {
                    bytes[0] += attrs.size();
                }
            }
        });
        return new StoreUsage(bytes[0], seen.size());
    }
}
