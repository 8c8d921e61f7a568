package dev.jcri.e2e.bench;

import dev.jcri.e2e.Release;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jcri a benchmark starts ({@code -Djcri.bench.launcher}): {@code release}, the release archive unpacked into a
 * temp dir that {@link #close} deletes, or {@code checkout}, the checkout's {@code bin/jcri}.
 */
final class BenchLauncher implements AutoCloseable {
    private final List<String> command;
    private final Path unpacked;

    private BenchLauncher(List<String> command, Path unpacked) {
        this.command = command;
        this.unpacked = unpacked;
    }

    static BenchLauncher of(String kind, Path repo) throws IOException, InterruptedException {
        if (kind.equals("release")) {
            Path unpacked = Files.createTempDirectory("jcri-bench-release-");
            return new BenchLauncher(Release.launcher(Release.extract(Release.archive(), unpacked)), unpacked);
        }
        return new BenchLauncher(List.of(repo.resolve("bin/jcri").toString()), null);
    }

    /** The command, as a list the caller may change (e.g. put {@code env} with JVM options in front). */
    List<String> command() {
        return new ArrayList<>(command);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (unpacked != null) {
            Release.delete(unpacked);
        }
    }
}
