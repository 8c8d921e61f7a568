package dev.jcri.sandbox.checkpoint;

import dev.jcri.linux.PipeDrain;
import dev.jcri.linux.ProcessTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether CRIU can checkpoint on this node: the {@code criu} binary is there and {@code criu check} passes (it
 * fails where CRIU does not know the kernel, e.g. Debian 12's CRIU 3.17 on a 6.18 kernel: "vdso: Unexpected rt
 * vDSO area bounds"). Asked once per node: the answer changes only with a new kernel or CRIU.
 *
 * @param problem empty when CRIU works, else why not, in CRIU's own words
 * @param version CRIU's version line, when the binary is there
 */
public record CriuCheck(Optional<String> problem, Optional<String> version) {
    private static final List<Path> CANDIDATES = List.of(Path.of("/usr/sbin/criu"), Path.of("/usr/bin/criu"));
    private static final long CHECK_SECONDS = 60;
    private static volatile CriuCheck node;

    /** This node's answer, probed on the first call. */
    public static CriuCheck ofNode() {
        CriuCheck answer = node;
        if (answer == null) {
            synchronized (CriuCheck.class) {
                if (node == null) {
                    node = probe(CANDIDATES);
                }
                answer = node;
            }
        }
        return answer;
    }

    static CriuCheck probe(List<Path> candidates) {
        Optional<Path> binary = candidates.stream().filter(Files::isExecutable).findFirst();
        if (binary.isEmpty()) {
            return new CriuCheck(
                    Optional.of("criu is not installed (looked for " + candidates + "; apt-get install criu)"),
                    Optional.empty());
        }
        Optional<String> version = run(binary.get(), "--version")
                .filter(r -> r.exitCode() == 0)
                .flatMap(r -> r.output().lines().findFirst().map(String::strip));
        Optional<Result> check = run(binary.get(), "check");
        if (check.isEmpty()) {
            return new CriuCheck(
                    Optional.of(binary.get() + " check did not finish within " + CHECK_SECONDS + " s"), version);
        }
        if (check.get().exitCode() == 0) {
            return new CriuCheck(Optional.empty(), version);
        }
        return new CriuCheck(
                Optional.of(
                        binary.get() + " check failed: " + errors(check.get().output())),
                version);
    }

    /** CRIU's error lines (the ones it prefixes with "Error"), or all it said when it named none. */
    static String errors(String output) {
        List<String> errors = output.lines()
                .map(String::strip)
                .filter(line -> line.startsWith("Error"))
                .toList();
        String text = errors.isEmpty() ? output.strip() : String.join("; ", errors);
        return text.isEmpty() ? "no output" : text;
    }

    private record Result(int exitCode, String output) {}

    private static Optional<Result> run(Path binary, String argument) {
        try {
            Process process = new ProcessBuilder(binary.toString(), argument)
                    .redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            CompletableFuture<byte[]> output = PipeDrain.start(process.getInputStream(), 64 * 1024, "criu");
            if (!process.waitFor(CHECK_SECONDS, TimeUnit.SECONDS)) {
                ProcessTree.kill(process.toHandle());
                return Optional.empty();
            }
            return Optional.of(new Result(
                    process.exitValue(), new String(output.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8)));
        } catch (IOException | ExecutionException | TimeoutException e) {
            return Optional.of(new Result(-1, binary + " " + argument + ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(new Result(-1, "interrupted"));
        }
    }
}
