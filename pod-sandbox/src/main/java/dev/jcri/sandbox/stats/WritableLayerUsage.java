package dev.jcri.sandbox.stats;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Bytes and inodes a container's writable layer (its overlay upper dir) holds: what the container wrote. A walk,
 * without following links; entries that vanish during it are skipped.
 */
public record WritableLayerUsage(long bytes, long inodes) {

    public static WritableLayerUsage of(Path upper) {
        long[] totals = new long[2];
        try {
            Files.walkFileTree(upper, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    totals[1]++;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    totals[1]++;
                    if (attrs.isRegularFile()) {
                        totals[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            return new WritableLayerUsage(0, 0);
        } catch (IOException e) {
            // What was counted before the failure is the best answer there is.
        }
        return new WritableLayerUsage(totals[0], totals[1]);
    }
}
