package dev.jcri.sandbox.container;

import dev.jcri.linux.DeviceNodes;
import dev.jcri.linux.PipeDrain;
import dev.jcri.linux.ProcessTree;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.cgroup.CgroupDriver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Starts one conmon per container. conmon double-forks away from jcri, runs {@code <runtime> create}, then stays
 * as the container's parent: it holds its stdio, writes its log, and records its exit code in the exit dir, so
 * the container outlives a restart of jcri.
 *
 * <p>conmon reports the container's PID, or the runtime's error, on the fd named by {@code _OCI_SYNCPIPE}. A JVM
 * child gets only fds 0-2 and conmon replaces those with /dev/null, so the sync channel is a FIFO that a one-line
 * {@code sh} opens as fd 3 before it {@code exec}s conmon: no process beyond conmon itself remains.
 *
 * <p>conmon is placed in a cgroup or scope of its own once it reported. While it and the runtime start, a virtual
 * thread begins a move into that cgroup ({@link CgroupDriver#startConmonMove}), so the kernel's wait that the
 * runtime's move of the container's init would start is mostly over when that move comes (that wait was ~14 ms
 * of one ~28 ms {@code crun create} on the build VM).
 *
 * <p>Once running, conmon takes requests on the container's control FIFO, one line each: {@code "<type> <height>
 * <width>"}, type 1 a terminal resize, type 2 a log reopen.
 */
public final class Conmon implements ContainerMonitor {
    private static final Logger log = LoggerFactory.getLogger(Conmon.class);
    private static final int CONTROL_RESIZE = 1;
    private static final int CONTROL_REOPEN_LOG = 2;
    private static final long EXIT_WAIT_SECONDS = 5;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_OUTPUT = 64 * 1024;

    /**
     * Everything conmon needs for one container; its files are where {@code container} says.
     *
     * @param cgroupParent the pod's cgroup parent, under which conmon gets a cgroup or scope of its own
     * @param restoreFrom CRIU's image dir when the runtime restores a checkpoint instead of creating afresh
     */
    public record Launch(
            StateLayout.ContainerPaths container,
            String name,
            ContainerRuntime runtime,
            Path logPath,
            boolean terminal,
            boolean stdin,
            boolean stdinOnce,
            String cgroupParent,
            Optional<Path> restoreFrom) {
        String containerId() {
            return container.id();
        }

        Path bundle() {
            return container.bundle();
        }
    }

    private final Path binary;
    private final Duration timeout;
    private final CgroupDriver cgroups;

    /**
     * @param timeout how long conmon may take to report the created container (it waits for {@code <runtime>
     *     create}); past it, conmon and the runtime are killed and the create fails
     */
    public Conmon(Path binary, Duration timeout, CgroupDriver cgroups) {
        this.binary = binary;
        this.timeout = timeout;
        this.cgroups = cgroups;
    }

    /** Returns the container's PID once the runtime created it (stopped before its entrypoint). */
    @Override
    public int create(Launch launch) throws IOException, InterruptedException {
        Path sync = launch.container().syncFifo();
        Files.deleteIfExists(sync);
        DeviceNodes.createFifo(sync, 0600);
        Thread earlyMove = null;
        // Read-write: opening a FIFO so never blocks, and conmon's later open for writing finds a reader.
        try (FileChannel channel = FileChannel.open(sync, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FutureTask<String> message = new FutureTask<>(() -> readLine(channel));
            Thread.ofVirtual().start(message);
            Process process = start(launch, sync);
            earlyMove = Thread.ofVirtual()
                    .start(() -> cgroups.startConmonMove(launch.cgroupParent(), launch.containerId(), process.pid()));
            String output = detach(launch, process);
            try {
                String line = message.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                // Done by now (the runtime's own move waited with it); it must not write after what follows.
                earlyMove.join(timeout);
                int pid = parse(line, launch.runtime());
                place(launch);
                return pid;
            } catch (TimeoutException e) {
                killDaemon(launch.container());
                // A read on a FIFO ignores interrupts, and jcri itself holds the write side: a newline ends it,
                // written through a descriptor of its own (the reading channel's lock is held by the read).
                Files.write(sync, new byte[] {'\n'});
                throw new ContainerCreateException("conmon did not report the container within "
                        + timeout.toSeconds() + " s (the runtime hung?); conmon and the runtime were killed"
                        + (output.isBlank() ? "" : ": " + output.strip()));
            } catch (ExecutionException e) {
                throw new IOException("reading conmon's sync pipe failed: " + e.getCause(), e.getCause());
            }
        } finally {
            if (earlyMove != null) {
                earlyMove.join(timeout);
            }
            Files.deleteIfExists(sync);
        }
    }

    /**
     * Moves the conmon that stays (the one its pid file names, after both forks) out of jcri's cgroup: the runtime's
     * create has ended by now, so only conmon itself moves, and the container is in its own cgroup already.
     */
    private void place(Launch launch) throws IOException {
        long pid;
        try {
            pid = Long.parseLong(
                    Files.readString(launch.container().conmonPidFile()).strip());
        } catch (IOException | NumberFormatException e) {
            throw new ContainerCreateException("conmon reported the container but left no readable pid file: " + e);
        }
        try {
            cgroups.placeConmon(launch.cgroupParent(), launch.containerId(), pid);
        } catch (IOException | RuntimeException e) {
            killDaemon(launch.container());
            release(launch.cgroupParent(), launch.containerId());
            throw e;
        }
    }

    /**
     * Removes conmon's cgroup or scope once conmon is gone. Never fails the caller: what stays is the orphan
     * sweep's.
     */
    @Override
    public void release(String cgroupParent, String containerId) {
        try {
            cgroups.release(cgroupParent, containerId);
        } catch (IOException | RuntimeException e) {
            log.warn(
                    "conmon's cgroup not released, the orphan sweep will id={} error=\"{}\"",
                    containerId,
                    e.getMessage());
        }
    }

    @Override
    public boolean alive(StateLayout.ContainerPaths container) {
        return process(container).isPresent();
    }

    @Override
    public void awaitExit(StateLayout.ContainerPaths container) throws InterruptedException {
        Optional<ProcessHandle> process = process(container);
        if (process.isEmpty()) {
            return;
        }
        try {
            process.get().onExit().get(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            log.warn(
                    "killing a conmon left without its container id={} pid={}",
                    container.id(),
                    process.get().pid());
            process.get().destroyForcibly();
        } catch (ExecutionException e) {
            // onExit never fails.
        }
    }

    @Override
    public boolean oomKilled(StateLayout.ContainerPaths container) {
        return Files.exists(container.oomFile());
    }

    @Override
    public void resizeTerminal(StateLayout.ContainerPaths container, int rows, int columns) throws IOException {
        control(container, CONTROL_RESIZE, rows, columns);
    }

    @Override
    public void reopenLog(StateLayout.ContainerPaths container) throws IOException {
        control(container, CONTROL_REOPEN_LOG, 0, 0);
    }

    private static void control(StateLayout.ContainerPaths container, int type, int height, int width)
            throws IOException {
        Files.writeString(container.controlFifo(), type + " " + height + " " + width + "\n");
    }

    /** The container's conmon, if alive; its command line must name the container, so a reused PID is no match. */
    private static Optional<ProcessHandle> process(StateLayout.ContainerPaths container) {
        try {
            String pid = Files.readString(container.conmonPidFile()).strip();
            return ProcessHandle.of(Long.parseLong(pid))
                    .filter(ProcessHandle::isAlive)
                    .filter(p -> {
                        try {
                            return Files.readString(Path.of("/proc", pid, "cmdline"))
                                    .contains(container.id());
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private Process start(Launch launch, Path sync) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                "/bin/sh",
                "-c",
                "exec \"$@\" 3>\"$JCRI_SYNC_FIFO\"",
                "conmon",
                binary.toString(),
                "--api-version",
                "1",
                "-c",
                launch.containerId(),
                "-u",
                launch.containerId(),
                "-n",
                launch.name(),
                "-r",
                launch.runtime().binary().toString(),
                "--runtime-arg",
                "--root=" + launch.runtime().root(),
                "-b",
                launch.bundle().toString(),
                "-p",
                launch.container().pidFile().toString(),
                "-P",
                launch.container().conmonPidFile().toString(),
                "--persist-dir",
                launch.bundle().toString(),
                "--exit-dir",
                launch.container().layout().exits().toString(),
                "--socket-dir-path",
                launch.container().layout().attachLinks().toString(),
                "-l",
                "k8s-file:" + launch.logPath(),
                "--log-level",
                "warn"));
        // Every runtime command of the container needs the same global flags (the cgroup driver's).
        for (String flag : launch.runtime().globalFlags()) {
            command.add("--runtime-arg");
            command.add(flag);
        }
        // conmon runs "<runtime> restore --detach --image-path DIR" in place of create: running once it reports.
        launch.restoreFrom().ifPresent(images -> {
            command.add("--restore");
            command.add(images.toString());
        });
        if (launch.terminal()) {
            command.add("-t");
        }
        if (launch.stdin()) {
            command.add("-i");
            if (!launch.stdinOnce()) {
                command.add("--leave-stdin-open");
            }
        }
        // conmon creates its OOM marker "oom" in its working directory as well as in the persist dir: the bundle,
        // not the daemon's directory (where it would pile up, e.g. as /oom).
        ProcessBuilder builder = OciRuntime.processBuilder(command)
                .directory(launch.bundle().toFile())
                .redirectErrorStream(true);
        builder.environment().put("JCRI_SYNC_FIFO", sync.toString());
        builder.environment().put("_OCI_SYNCPIPE", "3");
        Process process = builder.start();
        process.getOutputStream().close();
        return process;
    }

    /** Waits for conmon's first process to end once it forked the one that stays; returns its output. */
    private String detach(Launch launch, Process process) throws IOException, InterruptedException {
        // conmon's first process exits once it forked; its output ends when the daemon detaches from stdio.
        CompletableFuture<byte[]> drained = PipeDrain.start(process.getInputStream(), MAX_OUTPUT, "conmon");
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            ProcessTree.kill(process.toHandle());
            killDaemon(launch.container());
            throw new ContainerCreateException("conmon did not detach within " + timeout.toSeconds() + " s; killed");
        }
        String output;
        try {
            output = new String(drained.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
        } catch (ExecutionException | TimeoutException e) {
            output = "";
        }
        if (process.exitValue() != 0) {
            throw new ContainerCreateException("conmon failed (exit " + process.exitValue() + "): " + output.strip());
        }
        return output;
    }

    /** The detached conmon of {@code container}, with the runtime it waits for, killed (its pid file names it). */
    private static void killDaemon(StateLayout.ContainerPaths container) {
        try {
            long pid =
                    Long.parseLong(Files.readString(container.conmonPidFile()).strip());
            // Only a conmon: a pid file whose process is gone may name a reused PID by now.
            ProcessHandle.of(pid)
                    .filter(p ->
                            p.info().command().map(c -> c.endsWith("/conmon")).orElse(false))
                    .ifPresent(ProcessTree::kill);
        } catch (IOException | NumberFormatException e) {
            // No pid file: conmon never got as far as daemonizing, and the first process was killed above.
        }
    }

    private static String readLine(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (true) {
            int n = channel.read(buffer);
            if (n < 0) {
                break;
            }
            int end = indexOfNewline(buffer);
            if (end >= 0) {
                return new String(buffer.array(), 0, end, StandardCharsets.UTF_8);
            }
            if (!buffer.hasRemaining()) {
                break;
            }
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    private static int indexOfNewline(ByteBuffer buffer) {
        for (int i = 0; i < buffer.position(); i++) {
            if (buffer.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** {"data": PID} on success; {"data": -1, "message": "<runtime stderr>"} when create failed. */
    private static int parse(String line, ContainerRuntime runtime) throws ContainerCreateException {
        JsonNode json;
        try {
            json = JSON.readTree(line);
        } catch (RuntimeException e) {
            throw new ContainerCreateException("conmon sent an unreadable sync message: " + line);
        }
        int data = json.path("data").asInt(-1);
        if (data > 0) {
            return data;
        }
        String message = json.path("message").asString("").strip();
        throw new ContainerCreateException(
                runtime.binary().getFileName() + " create failed: " + (message.isEmpty() ? "no message" : message));
    }
}
