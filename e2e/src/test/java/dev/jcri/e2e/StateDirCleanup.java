package dev.jcri.e2e;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Removes a test's state dir: first every mount below it (deepest first, so nothing outside is ever reached
 * through a bind mount), then the files.
 */
public final class StateDirCleanup {
    private StateDirCleanup() {}

    public static void remove(Path dir) throws IOException, InterruptedException {
        if (!Files.exists(dir)) {
            return;
        }
        for (String mountPoint : mountsBelow(dir.toRealPath())) {
            new ProcessBuilder("umount", "-l", mountPoint).inheritIO().start().waitFor();
        }
        if (!mountsBelow(dir.toRealPath()).isEmpty()) {
            throw new IOException("mounts remain below " + dir + ": " + mountsBelow(dir.toRealPath()));
        }
        removeCgroups(JcriProcess.cgroupParent(dir));
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Removes the test daemon's cgroup parent, deepest first, in every hierarchy; only cgroups it made. */
    static void removeCgroups(String parent) throws IOException {
        for (Path hierarchy : CgroupHierarchies.all()) {
            Path own = hierarchy.resolve(parent.substring(1));
            if (!Files.isDirectory(own, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (var walk = Files.walk(own)) {
                for (Path cgroup : walk.filter(Files::isDirectory)
                        .sorted(Comparator.reverseOrder())
                        .toList()) {
                    Files.deleteIfExists(cgroup);
                }
            }
        }
    }

    public static List<String> mountsBelow(Path dir) throws IOException {
        List<String> mounts = new ArrayList<>();
        String prefix = dir.toString() + "/";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mountPoint = line.split(" ")[4];
            if (mountPoint.startsWith(prefix) || mountPoint.equals(dir.toString())) {
                mounts.add(mountPoint);
            }
        }
        mounts.sort(Comparator.comparingInt(String::length).reversed());
        return mounts;
    }
}
