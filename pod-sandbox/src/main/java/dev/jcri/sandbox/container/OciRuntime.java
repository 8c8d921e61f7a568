package dev.jcri.sandbox.container;

import dev.jcri.linux.PipeDrain;
import dev.jcri.linux.ProcessTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The OCI runtime binary (crun, runc) of one runtime handler, for the commands jcri runs itself; {@code create}
 * is run by conmon.
 *
 * @param timeout how long one runtime command may take: a runtime that hangs is killed (with its children) and
 *     the operation fails, rather than holding the container's lock and the RPC forever
 * @param globalFlags flags every command takes before its name, such as {@code --systemd-cgroup} with the systemd
 *     cgroup driver (a command without it would look for the container's cgroup in the wrong place)
 */
public record OciRuntime(String handler, Path binary, Path root, Duration timeout, List<String> globalFlags)
        implements ContainerRuntime {

    public OciRuntime {
        globalFlags = List.copyOf(globalFlags);
    }

    public OciRuntime(String handler, Path binary, Path root, Duration timeout) {
        this(handler, binary, root, timeout, List.of());
    }

    /**
     * A runtime command (or conmon, which runs the runtime) without the service manager's variables jcri got:
     * crun and runc take {@code NOTIFY_SOCKET} as a request to proxy the container's sd_notify, and would bind a
     * socket of their own in its place.
     */
    static ProcessBuilder processBuilder(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeAll(List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"));
        return builder;
    }

    /** {@code <binary> --root <root> <global flags>}: the start of every runtime command line. */
    public List<String> commandPrefix() {
        List<String> prefix = new ArrayList<>(List.of(binary.toString(), "--root", root.toString()));
        prefix.addAll(globalFlags);
        return prefix;
    }

    private static final int MAX_OUTPUT = 64 * 1024;

    @Override
    public void start(String containerId) throws IOException, InterruptedException {
        // The FIFO is crun's own protocol: a handler whose binary has another name (a wrapper) keeps its start.
        if (binary.getFileName().toString().equals("crun") && ExecFifo.start(root.resolve(containerId))) {
            return;
        }
        run("start", containerId);
    }

    @Override
    public void kill(String containerId, String signal) throws IOException, InterruptedException {
        run("kill", containerId, signal);
    }

    /** Applies new cgroup values to a created or running container. */
    @Override
    public void update(String containerId, Path resources) throws IOException, InterruptedException {
        run("update", "--resources", resources.toString(), containerId);
    }

    /** Forced: a running container is killed first. */
    @Override
    public void delete(String containerId) throws IOException, InterruptedException {
        run("delete", "--force", containerId);
    }

    /**
     * The runtime's status of the container ("created", "running", "stopped"), read from {@code state}; empty
     * when the runtime does not know it.
     */
    @Override
    public java.util.Optional<String> status(String containerId) throws IOException, InterruptedException {
        if (!knows(containerId)) {
            return java.util.Optional.empty();
        }
        Result result = exec(List.of("state", containerId));
        if (result.exitCode() != 0) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(tools.jackson.databind.json.JsonMapper.builder()
                    .build()
                    .readTree(result.output())
                    .path("status")
                    .asString(""));
        } catch (RuntimeException e) {
            throw new IOException(
                    binary.getFileName() + " state printed no JSON: "
                            + result.output().strip(),
                    e);
        }
    }

    /**
     * Whether the runtime holds state for the container: crun and runc keep it in {@code <root>/<id>}, so a look
     * at the directory answers without starting the runtime.
     */
    @Override
    public boolean knows(String containerId) {
        return java.nio.file.Files.isDirectory(root.resolve(containerId));
    }

    /**
     * Starts the process {@code processFile} describes (see {@link ExecProcessSpec}) in the running container; the
     * runtime writes the exec'd process's host PID to {@code pidFile}.
     */
    @Override
    public Process exec(String containerId, Path processFile, Path pidFile) throws IOException {
        List<String> command = commandPrefix();
        command.addAll(
                List.of("exec", "--process", processFile.toString(), "--pid-file", pidFile.toString(), containerId));
        return processBuilder(command).start();
    }

    /**
     * Like {@link #exec}, with a terminal that the runtime allocates inside the container and sends, as a
     * descriptor, to the listener on {@code consoleSocket}. The runtime's own stdout and stderr carry only its
     * errors.
     */
    @Override
    public Process execWithTerminal(String containerId, Path processFile, Path pidFile, Path consoleSocket)
            throws IOException {
        List<String> command = commandPrefix();
        command.addAll(List.of(
                "exec",
                "--process",
                processFile.toString(),
                "--console-socket",
                consoleSocket.toString(),
                "--pid-file",
                pidFile.toString(),
                containerId));
        Process process = processBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        return process;
    }

    @Override
    public void checkpoint(String containerId, Path imagePath, Path workPath, Duration limit)
            throws IOException, InterruptedException {
        List<String> args = List.of(
                "checkpoint",
                "--leave-running",
                "--image-path",
                imagePath.toString(),
                "--work-path",
                workPath.toString(),
                containerId);
        Result result = exec(args, limit.compareTo(timeout) > 0 ? limit : timeout);
        if (result.exitCode() != 0) {
            throw new IOException(binary.getFileName() + " checkpoint failed: "
                    + result.output().strip() + criuErrors(workPath.resolve("dump.log")));
        }
    }

    /** CRIU's error lines from its log: the runtime itself says only "criu failed". */
    private static String criuErrors(Path log) {
        try {
            List<String> errors = java.nio.file.Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.contains("Error ("))
                    .map(String::strip)
                    .toList();
            return errors.isEmpty()
                    ? ""
                    : "; CRIU: " + String.join("; ", errors.subList(0, Math.min(5, errors.size())));
        } catch (IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }

    @Override
    public void resume(String containerId) throws IOException, InterruptedException {
        Result result = exec(List.of("resume", containerId));
        if (result.exitCode() != 0 && !result.output().contains("not paused")) {
            throw new IOException(
                    binary.getFileName() + " resume failed: " + result.output().strip());
        }
    }

    private void run(String... args) throws IOException, InterruptedException {
        Result result = exec(List.of(args));
        if (result.exitCode() != 0) {
            throw new IOException(binary.getFileName() + " " + args[0] + " failed: "
                    + result.output().strip());
        }
    }

    private record Result(int exitCode, String output) {}

    private Result exec(List<String> args) throws IOException, InterruptedException {
        return exec(args, timeout);
    }

    private Result exec(List<String> args, Duration limit) throws IOException, InterruptedException {
        List<String> command = commandPrefix();
        command.addAll(args);
        Process process = processBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        CompletableFuture<byte[]> output = PipeDrain.start(process.getInputStream(), MAX_OUTPUT, "runtime");
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            ProcessTree.kill(process.toHandle());
            throw new RuntimeTimeoutException(binary.getFileName() + " " + args.getFirst() + " did not finish within "
                    + limit.toSeconds() + " s; killed");
        }
        String text;
        try {
            // A child the runtime left behind may hold the pipe open: its output is what arrived by now.
            text = new String(output.get(1, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            text = "";
        }
        return new Result(process.exitValue(), text);
    }
}
