package dev.jcri.sandbox.container;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
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
    public static Result run(OciRuntime runtime, String containerId, List<String> command, long timeoutSeconds,
            Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path pidFile = Files.createTempFile(workDir, "exec-", ".pid");
        try {
            Process process = runtime.exec(containerId, command, pidFile);
            process.getOutputStream().close();
            FutureTask<byte[]> stdout = drain(process.getInputStream());
            FutureTask<byte[]> stderr = drain(process.getErrorStream());
            boolean finished = true;
            if (timeoutSeconds > 0) {
                finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            } else {
                process.waitFor();
            }
            if (!finished) {
                killExecd(pidFile);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new TimedOut("command timed out after " + timeoutSeconds + " s and was killed");
            }
            return new Result(join(stdout), join(stderr), process.exitValue());
        } finally {
            Files.deleteIfExists(pidFile);
        }
    }

    private static void killExecd(Path pidFile) {
        try {
            String pid = Files.readString(pidFile).strip();
            if (!pid.isEmpty()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            // The command never started; killing the runtime's process is all there is to do.
        }
    }

    private static FutureTask<byte[]> drain(InputStream in) {
        FutureTask<byte[]> task = new FutureTask<>(() -> {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    int room = MAX_OUTPUT - kept.size();
                    if (room > 0) {
                        kept.write(buffer, 0, Math.min(room, n));
                    }
                }
            }
            return kept.toByteArray();
        });
        Thread.ofVirtual().start(task);
        return task;
    }

    private static byte[] join(FutureTask<byte[]> task) throws IOException, InterruptedException {
        try {
            return task.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("reading exec output failed: " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            // A process left behind by the command still holds the pipe open.
            task.cancel(true);
            return new byte[0];
        }
    }
}
