package dev.jcri.sandbox.container;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What jcri asks of the OCI runtime of one handler: {@link OciRuntime} runs the binary; the operation tests use
 * fakes that record the calls.
 */
public interface ContainerRuntime {
    String handler();

    Path binary();

    /** Where the runtime keeps its per-container state, {@code <root>/<id>}. */
    Path root();

    /** Flags every command of the runtime takes before its name (the cgroup driver's, such as --systemd-cgroup). */
    List<String> globalFlags();

    void start(String containerId) throws IOException, InterruptedException;

    void kill(String containerId, String signal) throws IOException, InterruptedException;

    /** Applies new cgroup values to a created or running container. */
    void update(String containerId, Path resources) throws IOException, InterruptedException;

    /** Forced: a running container is killed first. */
    void delete(String containerId) throws IOException, InterruptedException;

    /** The runtime's status of the container ("created", "running", "stopped"); empty when it does not know it. */
    Optional<String> status(String containerId) throws IOException, InterruptedException;

    /** Whether the runtime holds state for the container. */
    boolean knows(String containerId);

    Process exec(String containerId, Path processFile, Path pidFile) throws IOException;

    Process execWithTerminal(String containerId, Path processFile, Path pidFile, Path consoleSocket) throws IOException;

    /**
     * Dumps the running container's processes with CRIU into {@code imagePath} ({@code checkpoint
     * --leave-running}), CRIU's log and work files into {@code workPath}; the container keeps running. Past the
     * longer of {@code limit} and the runtime's own timeout the runtime is killed and {@link RuntimeTimeoutException}
     * thrown: never sooner, since CRIU killed mid-dump can kill the processes it works in.
     */
    void checkpoint(String containerId, Path imagePath, Path workPath, Duration limit)
            throws IOException, InterruptedException;

    /** Thaws a container a killed checkpoint left frozen; a container that is not frozen is left as it is. */
    void resume(String containerId) throws IOException, InterruptedException;

    /** Why this runtime cannot checkpoint on this node (no CRIU, CRIU fails its check, runtime without it). */
    default Optional<String> checkpointProblem() {
        return RuntimeFeatureProbe.checkpointProblem(binary());
    }

    /** Whether it can make submounts read-only too (recursive_read_only mounts). */
    default boolean supportsRecursiveReadOnly() {
        return RuntimeFeatureProbe.recursiveReadOnly(binary());
    }
}
