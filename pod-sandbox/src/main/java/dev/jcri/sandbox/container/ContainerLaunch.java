package dev.jcri.sandbox.container;

import dev.jcri.sandbox.StateLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Has conmon make a container's process through the runtime at StartContainer: {@code <runtime> create} (then the
 * runtime's {@code start}), or {@code <runtime> restore} for a container created from a checkpoint. conmon is placed
 * in a cgroup or scope of its own under the pod's parent by the monitor. CreateContainer starts no process, as
 * containerd's: it mounts the rootfs and writes the bundle, and the record says CREATED with PID 0 ({@link #pending}).
 */
final class ContainerLaunch {
    private final ContainerMonitor monitor;

    ContainerLaunch(ContainerMonitor monitor) {
        this.monitor = monitor;
    }

    /** Created and not launched yet: no conmon, no runtime state, no process (PID 0). */
    static boolean pending(ContainerRecord record) {
        return record.state() == ContainerState.CREATED && record.pid() == 0;
    }

    /**
     * Starts conmon for {@code record}; returns the container's PID.
     *
     * @param criuImages CRIU's image dir to restore from, or empty for a fresh container
     */
    int launch(
            StateLayout.ContainerPaths paths,
            ContainerRecord record,
            ContainerRuntime runtime,
            String cgroupParent,
            Optional<Path> criuImages)
            throws IOException, InterruptedException {
        return monitor.create(new Conmon.Launch(
                paths,
                record.name(),
                runtime,
                Path.of(record.logPath()),
                record.spec().tty(),
                record.spec().stdin(),
                record.spec().stdinOnce(),
                cgroupParent,
                criuImages));
    }

    /** Undoes a launch that failed or whose result is not kept: runtime state, conmon's cgroup, attach link. */
    void undo(StateLayout.ContainerPaths paths, ContainerRuntime runtime, String cgroupParent)
            throws IOException, InterruptedException {
        if (runtime.knows(paths.id())) {
            runtime.delete(paths.id());
        }
        monitor.release(cgroupParent, paths.id());
        Files.deleteIfExists(paths.attachLink());
    }
}
