package dev.jcri.sandbox.container;

import dev.jcri.linux.NativeFd;
import dev.jcri.linux.Terminals;
import dev.jcri.linux.UnixSockets;
import dev.jcri.sandbox.StateLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A streamed exec: a command in a running container whose stdio the caller pumps, with pipes or with a terminal.
 *
 * <p>With a terminal the runtime allocates it inside the container and hands its master over the console socket;
 * the process's stdout and stderr are both the terminal, so there is no separate stderr. {@link #kill()} kills the
 * exec'd process itself, by the PID the runtime recorded: killing the runtime's exec process would leave the
 * command running inside the container.
 */
public final class ExecProcess implements AutoCloseable {
    private static final Duration TERMINAL_WAIT = Duration.ofSeconds(30);
    private static final long SLAVE_WAIT_MILLIS = 5;

    private final Process runtimeProcess;
    private final Path pidFile;
    private final Path processFile;
    private final NativeFd terminal;

    private ExecProcess(Process runtimeProcess, Path pidFile, Path processFile, NativeFd terminal) {
        this.runtimeProcess = runtimeProcess;
        this.pidFile = pidFile;
        this.processFile = processFile;
        this.terminal = terminal;
    }

    /** The PID and process files go into the container's bundle. */
    static ExecProcess start(
            ContainerRuntime runtime, StateLayout.ContainerPaths container, List<String> command, boolean tty)
            throws IOException {
        String containerId = container.id();
        Path workDir = container.bundle();
        Files.createDirectories(workDir);
        Path pidFile = Files.createTempFile(workDir, "exec-", ".pid");
        Path processFile;
        try {
            processFile = ExecProcessSpec.write(container, command, tty);
        } catch (IOException e) {
            Files.deleteIfExists(pidFile);
            throw e;
        }
        if (!tty) {
            try {
                return new ExecProcess(runtime.exec(containerId, processFile, pidFile), pidFile, processFile, null);
            } catch (IOException e) {
                Files.deleteIfExists(pidFile);
                Files.deleteIfExists(processFile);
                throw e;
            }
        }
        Path consoleDir = container.consoleSocketDir();
        Files.createDirectories(consoleDir);
        Path socketPath = consoleDir.resolve(
                HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".sock");
        Process process = null;
        try (UnixSockets.ConsoleSocket console = UnixSockets.ConsoleSocket.listen(socketPath)) {
            process = runtime.execWithTerminal(containerId, processFile, pidFile, socketPath);
            Process started = process;
            NativeFd master = console.receiveTerminal(TERMINAL_WAIT, started::isAlive);
            return new ExecProcess(process, pidFile, processFile, master);
        } catch (IOException e) {
            if (process != null) {
                String output = new String(process.getInputStream().readNBytes(4096)).strip();
                process.destroyForcibly();
                if (!output.isEmpty()) {
                    e = new IOException(runtime.binary().getFileName() + " exec failed: " + output, e);
                }
            }
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(processFile);
            throw e;
        } finally {
            Files.deleteIfExists(socketPath);
        }
    }

    public boolean tty() {
        return terminal != null;
    }

    /** The process's stdin; closing it gives the command end-of-file (with a terminal: the runtime's pipe). */
    public OutputStream stdin() {
        return terminal != null ? terminal.outputStream() : runtimeProcess.getOutputStream();
    }

    /**
     * With a terminal, read it on a platform thread (see {@link NativeFd}). A terminal master answers EIO while no
     * process holds its slave open, which happens before the runtime has set up the exec'd process as well as
     * after it ended: only the latter is the end of the output.
     */
    public InputStream stdout() {
        if (terminal == null) {
            return runtimeProcess.getInputStream();
        }
        InputStream master = terminal.inputStream();
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                while (true) {
                    int n = master.read(b, off, len);
                    if (n >= 0 || !runtimeProcess.isAlive()) {
                        return n;
                    }
                    try {
                        Thread.sleep(SLAVE_WAIT_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1;
                    }
                }
            }
        };
    }

    /** Null with a terminal: the terminal carries both. */
    public InputStream stderr() {
        return terminal != null ? null : runtimeProcess.getErrorStream();
    }

    public void resize(int columns, int rows) throws IOException {
        if (terminal != null && columns > 0 && rows > 0) {
            Terminals.setWindowSize(terminal, columns, rows);
        }
    }

    /** The command's exit code, which the runtime's exec process passes on as its own. */
    public int waitFor() throws InterruptedException {
        return runtimeProcess.waitFor();
    }

    public boolean isAlive() {
        return runtimeProcess.isAlive();
    }

    /** Kills the exec'd command (not the container) and then the runtime process waiting for it. */
    public void kill() {
        try {
            String pid = Files.readString(pidFile).strip();
            if (!pid.isEmpty()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            // The command never started; ending the runtime's process is all there is to do.
        }
        runtimeProcess.destroyForcibly();
    }

    @Override
    public void close() throws IOException {
        if (runtimeProcess.isAlive()) {
            kill();
        }
        try {
            runtimeProcess.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (terminal != null) {
            terminal.close();
        }
        Files.deleteIfExists(pidFile);
        Files.deleteIfExists(processFile);
    }
}
