package dev.jcri.sandbox.container;

import dev.jcri.linux.PipeDrain;
import dev.jcri.sandbox.StateLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * ExecSync: a command in a running container, its output captured, bounded in size and time.
 *
 * <p>Each stream keeps at most {@link #MAX_OUTPUT} bytes and the rest is read and dropped, so a command that
 * floods its output can neither exhaust jcri's memory nor block on a full pipe (the CVE-2022-1708 class). On
 * timeout the exec'd process itself is killed, by the PID the runtime recorded: killing the runtime's exec
 * process would leave the command running inside the container.
 */
public final class SyncExec {
    public static final int MAX_OUTPUT = 16 << 20;

    /** What the command printed and how it ended. */
    public record Result(byte[] stdout, byte[] stderr, int exitCode) {}

    /** The command outlived its timeout and was killed. */
    public static final class TimedOut extends IOException {
        public TimedOut(String message) {
            super(message);
        }
    }

    private SyncExec() {}

    /** @param timeoutSeconds 0 waits as long as the command runs */
    public static Result run(
            ContainerRuntime runtime, StateLayout.ContainerPaths container, List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        String containerId = container.id();
        Path workDir = container.bundle();
        Files.createDirectories(workDir);
        Path pidFile = Files.createTempFile(workDir, "exec-", ".pid");
        Path processFile = ExecProcessSpec.write(container, command, false);
        try {
            Process process = runtime.exec(containerId, processFile, pidFile);
            process.getOutputStream().close();
            CompletableFuture<byte[]> stdout = PipeDrain.start(process.getInputStream(), MAX_OUTPUT, "exec-stdout");
            CompletableFuture<byte[]> stderr = PipeDrain.start(process.getErrorStream(), MAX_OUTPUT, "exec-stderr");
            boolean finished = true;
            if (timeoutSeconds > 0) {
                finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            } else {
                process.waitFor();
            }
            if (!finished) {
                // The runtime's exec process exits once it has reaped the command; it is killed only if it hangs.
                if (!killExecd(pidFile) || !process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
                throw new TimedOut("command timed out after " + timeoutSeconds + " s and was killed");
            }
            return new Result(join(stdout), join(stderr), process.exitValue());
        } finally {
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(processFile);
        }
    }

    /** Whether the command had started (and is now killed with its descendants). */
    private static boolean killExecd(Path pidFile) throws InterruptedException {
        try {
            String pid = Files.readString(pidFile).strip();
            if (!pid.isEmpty()) {
                ExecTreeKill.kill(Long.parseLong(pid));
                return true;
            }
        } catch (IOException | NumberFormatException e) {
            // The command never started; killing the runtime's process is all there is to do.
        }
        return false;
    }

    private static byte[] join(CompletableFuture<byte[]> task) throws IOException, InterruptedException {
        try {
            return task.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("reading exec output failed: " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            // A process left behind by the command still holds the pipe open.
            return new byte[0];
        }
    }
}
