package dev.jcri.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cgroup hierarchies a test looks into for a cgroup path: the root itself on pure cgroup v2 (the test guest),
 * one mount per controller below /sys/fs/cgroup on a v1 or hybrid host (this VM).
 */
public final class CgroupHierarchies {
    public static final Path ROOT = Path.of("/sys/fs/cgroup");

    private CgroupHierarchies() {}

    public static boolean unified() {
        return Files.exists(ROOT.resolve("cgroup.controllers"));
    }

    public static List<Path> all() throws IOException {
        if (!Files.isDirectory(ROOT)) {
            return List.of();
        }
        if (unified()) {
            return List.of(ROOT);
        }
        try (Stream<Path> hierarchies = Files.list(ROOT)) {
            return hierarchies.toList();
        }
    }
}
