package dev.jcri.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The release archive {@code make dist} makes ({@code target/dist/jcri-<version>-linux-amd64.tar.gz} at the repo's
 * root), built by {@code scripts/dist} from the jar the server module just built when there is none newer than it.
 */
public final class Release {
    private static final Path REPO =
            Path.of(System.getProperty("jcri.repo", "..")).toAbsolutePath().normalize();
    private static final Path DIST = REPO.resolve("target/dist");

    private Release() {}

    /** The archive, built first if missing or older than the jar. */
    public static synchronized Path archive() throws IOException, InterruptedException {
        Path existing = find();
        FileTime jar = Files.getLastModifiedTime(JcriProcess.jarPath());
        if (existing != null && Files.getLastModifiedTime(existing).compareTo(jar) > 0) {
            return existing;
        }
        build();
        Path built = find();
        if (built == null) {
            throw new IllegalStateException("scripts/dist made no archive in " + DIST);
        }
        return built;
    }

    /** Unpacks the archive under {@code into} and returns the release's directory ({@code jcri-<version>}). */
    public static Path extract(Path archive, Path into) throws IOException, InterruptedException {
        run(List.of("tar", "-C", into.toString(), "-xzf", archive.toString()), into, Path.of("/dev/null"), 120);
        try (Stream<Path> dirs = Files.list(into)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("jcri-"))
                    .findFirst()
                    .orElseThrow();
        }
    }

    /** Removes a directory {@link #extract} filled. */
    public static void delete(Path into) throws IOException, InterruptedException {
        StateDirCleanup.remove(into);
    }

    /** The command that runs jcri from a release directory. */
    public static List<String> launcher(Path release) {
        return List.of(release.resolve("bin/jcri").toString());
    }

    private static Path find() throws IOException {
        if (!Files.isDirectory(DIST)) {
            return null;
        }
        try (Stream<Path> files = Files.list(DIST)) {
            return files.filter(f -> f.getFileName().toString().matches("jcri-.*-linux-amd64\\.tar\\.gz"))
                    .findFirst()
                    .orElse(null);
        }
    }

    private static void build() throws IOException, InterruptedException {
        Path log = Files.createTempFile("jcri-dist-", ".log");
        try {
            System.out.println("building the release archive with scripts/dist (log " + log + ")");
            run(List.of(REPO.resolve("scripts/dist").toString()), REPO, log, 900);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static void run(List<String> command, Path dir, Path log, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(
                        log.equals(Path.of("/dev/null"))
                                ? ProcessBuilder.Redirect.DISCARD
                                : ProcessBuilder.Redirect.to(log.toFile()));
        // scripts/dist runs jlink and the training driver of the JDK that runs the tests.
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(command + " took longer than " + timeoutSeconds + " s");
        }
        if (process.exitValue() != 0) {
            String output = log.equals(Path.of("/dev/null")) ? "" : Files.readString(log);
            throw new IllegalStateException(command + " exited with " + process.exitValue() + ":\n" + output);
        }
    }
}
