package dev.jcri.sandbox.container;

import dev.jcri.linux.FileTree;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.pod.SandboxRecord;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * StartContainer: conmon has the runtime create the container ({@link ContainerLaunch}) and the runtime starts its
 * entrypoint, or, for a container created from a checkpoint, conmon has the runtime restore its processes with
 * CRIU; the record becomes RUNNING. A create that fails here leaves the container EXITED with reason StartError
 * (as containerd does), its runtime state and conmon gone.
 */
final class ContainerStart {
    private static final Logger log = LoggerFactory.getLogger(ContainerStart.class);
    /** containerd's exit code for a container whose start failed. */
    private static final int START_ERROR_EXIT_CODE = 128;

    private final ContainerTable table;
    private final ContainerExits exits;
    private final ContainerLaunch launch;
    private final ContainerRemove remove;
    private final Function<String, Optional<SandboxRecord>> sandboxes;

    /**
     * @param remove removes a container whose restore failed, as CRI-O does
     * @param sandboxes the pod sandbox of an ID, for the cgroup parent a restore's conmon goes under
     */
    ContainerStart(
            ContainerTable table,
            ContainerExits exits,
            ContainerMonitor monitor,
            ContainerRemove remove,
            Function<String, Optional<SandboxRecord>> sandboxes) {
        this.table = table;
        this.exits = exits;
        this.launch = new ContainerLaunch(monitor);
        this.remove = remove;
        this.sandboxes = sandboxes;
    }

    ContainerRecord start(String idOrPrefix) throws IOException, InterruptedException {
        ContainerRecord record = table.store()
                .find(idOrPrefix)
                .filter(r -> r.state() != ContainerState.CREATING)
                .orElseThrow(() -> new NotFoundException("container " + idOrPrefix + " not found"));
        ReentrantLock lock = table.lockOf(record.id());
        Exception restoreFailure = null;
        lock.lock();
        try {
            record = table.current(record.id());
            if (record.state() != ContainerState.CREATED) {
                throw new IllegalStateException("container " + record.id() + " is " + record.state()
                        + ", not CREATED; only a created container can start");
            }
            // Taken before the start: a short command's exit file may be older than "after start returned".
            long startedAt = EpochNanos.now();
            if (CheckpointRestore.pending(record)) {
                try {
                    record = restore(record);
                } catch (IOException | RuntimeException e) {
                    restoreFailure = e;
                }
            } else {
                boolean launched = ContainerLaunch.pending(record);
                if (launched) {
                    record = launch(record);
                }
                try {
                    table.runtime(record.runtimeHandler()).start(record.id());
                } catch (IOException | RuntimeException e) {
                    if (launched) {
                        // Created by the runtime, not started: a retry only starts it, and removal finds conmon.
                        table.store().saveChange(record);
                    }
                    throw e;
                }
            }
            if (restoreFailure == null) {
                table.retries().answered(record.id());
                CrashPoint.reached(Step.CONTAINER_STARTED);
                // A node crash that loses RUNNING leaves CREATED, which the next start settles as it would
                // RUNNING: no conmon after a reboot, so EXITED either way.
                if (record.infra()) {
                    // As its CREATED record: a node crash ends its process anyway, and the pod's record is durable.
                    table.store().saveAhead(record.started(startedAt));
                } else {
                    table.store().saveChange(record.started(startedAt));
                }
                CrashPoint.reached(Step.CONTAINER_RUNNING_SAVED);
                table.publish(ContainerEvents.Type.STARTED, record.started(startedAt));
                log.info("container started id={} name={}", record.id(), record.name());
            }
        } finally {
            lock.unlock();
        }
        if (restoreFailure != null) {
            // As CRI-O: a checkpoint that does not restore leaves no container (kubelet makes a new one).
            log.warn(
                    "restore failed, removing the container id={} error=\"{}\"",
                    record.id(),
                    restoreFailure.getMessage());
            try {
                remove.removeNow(record.id());
            } catch (IOException | RuntimeException e) {
                restoreFailure.addSuppressed(e);
            }
            if (restoreFailure instanceof IOException io) {
                throw io;
            }
            throw (RuntimeException) restoreFailure;
        }
        // A short command may have exited already; its exit file then came before the RUNNING record.
        exits.recordIfExited(record.id());
        return table.current(record.id());
    }

    /**
     * Launches conmon with {@code <runtime> create}; returns the record with the created process, which the
     * RUNNING record saves (a crash before it is settled by recovery from conmon and the runtime's state). A
     * failure is undone and recorded as the container's exit.
     */
    private ContainerRecord launch(ContainerRecord record) throws IOException, InterruptedException {
        ContainerRuntime runtime = runtimeOf(record);
        String cgroupParent = cgroupParentOf(record);
        StateLayout.ContainerPaths paths = table.paths(record.id());
        int pid;
        try {
            pid = launch.launch(paths, record, runtime, cgroupParent, Optional.empty());
        } catch (IOException | RuntimeException e) {
            try {
                launch.undo(paths, runtime, cgroupParent);
                exits.forget(record.id());
                ContainerRecord failed = record.exited(new ContainerRecord.ExitStatus(
                        START_ERROR_EXIT_CODE, EpochNanos.now(), "StartError", e.getMessage()));
                table.store().save(failed);
                table.publish(ContainerEvents.Type.STOPPED, failed);
            } catch (IOException | RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        exits.expect(record);
        IdmappedVolumes.releaseStaged(paths.idmappedVolumes());
        CrashPoint.reached(Step.CONTAINER_CONMON_STARTED);
        return record.launched(pid);
    }

    private ContainerRuntime runtimeOf(ContainerRecord record) {
        ContainerRuntime runtime = table.runtime(record.runtimeHandler());
        if (runtime == null) {
            throw new IllegalStateException("container " + record.id() + " uses runtime handler "
                    + record.runtimeHandler() + ", which this node no longer has");
        }
        return runtime;
    }

    private String cgroupParentOf(ContainerRecord record) {
        return sandboxes
                .apply(record.sandboxId())
                .map(SandboxRecord::cgroupParent)
                .orElseThrow(() -> new IllegalStateException(
                        "pod sandbox " + record.sandboxId() + " of container " + record.id() + " is gone"));
    }

    /** Launches conmon with {@code <runtime> restore}; returns the record with the restored process. */
    private ContainerRecord restore(ContainerRecord record) throws IOException, InterruptedException {
        ContainerRuntime runtime = runtimeOf(record);
        String cgroupParent = cgroupParentOf(record);
        StateLayout.ContainerPaths paths = table.paths(record.id());
        int pid = launch.launch(
                paths, record, runtime, cgroupParent, Optional.of(CheckpointRestore.criuImages(paths.restoreSource())));
        exits.expect(record);
        IdmappedVolumes.releaseStaged(paths.idmappedVolumes());
        FileTree.delete(paths.restoreSource()); // CRIU read it all; the processes run
        return record.launched(pid);
    }
}
