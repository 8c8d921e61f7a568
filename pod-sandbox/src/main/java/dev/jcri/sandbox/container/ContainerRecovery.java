package dev.jcri.sandbox.container;

import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.Recovery;
import dev.jcri.sandbox.StateLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a restart of jcri: re-pins images (and those of image volumes), settles exits that happened while jcri was down, finishes creations
 * and removals a crash interrupted (by removing them), and finds containers started just before the crash.
 */
final class ContainerRecovery {
    private static final Logger log = LoggerFactory.getLogger(ContainerRecovery.class);

    private final ContainerTable table;
    private final ContainerExits exits;
    private final ContainerRemove remove;
    private final ContainerMonitor monitor;
    private final ContainerImages images;

    ContainerRecovery(
            ContainerTable table,
            ContainerExits exits,
            ContainerRemove remove,
            ContainerMonitor monitor,
            ContainerImages images) {
        this.table = table;
        this.exits = exits;
        this.remove = remove;
        this.monitor = monitor;
        this.images = images;
    }

    Recovery recover() throws IOException, InterruptedException {
        int restored = 0;
        int cleaned = 0;
        for (ContainerRecord record : table.store().load()) {
            ImageVolumes.pin(images, ContainerTable.pinOwner(record.id()), record);
            if (record.state() == ContainerState.CREATING || record.removing()) {
                log.warn(
                        "finishing a container {} a crash interrupted id={}",
                        record.removing() ? "removal" : "creation",
                        record.id());
                remove.removeNow(record.id());
                cleaned++;
                continue;
            }
            switch (record.state()) {
                case CREATED, RUNNING -> {
                    Optional<ExitWatcher.Exit> exit = exits.exitOf(record.id());
                    if (exit.isPresent()) {
                        if (ContainerLaunch.pending(record)) {
                            // Launched, started and ended before its RUNNING record was saved: the exit is all
                            // that is left of its process.
                            int code = exit.get().exitCode();
                            long finished = EpochNanos.of(exit.get().finishedAt());
                            table.store()
                                    .save(record.started(finished)
                                            .exited(new ContainerRecord.ExitStatus(
                                                    code, finished, code == 0 ? "Completed" : "Error", "")));
                        } else {
                            exits.record(exit.get());
                        }
                    } else if (ContainerLaunch.pending(record)) {
                        settleLaunch(record);
                    } else if (!monitor.alive(table.paths(record.id()))) {
                        table.store()
                                .save(record.exited(new ContainerRecord.ExitStatus(
                                        255, EpochNanos.now(), "Unknown", "conmon is gone and left no exit code")));
                    } else {
                        exits.expect(record);
                        settleStart(record);
                    }
                }
                case CREATING, EXITED -> {}
            }
            restored++;
        }
        return new Recovery(restored, cleaned);
    }

    /**
     * Created and not launched (conmon and the runtime's create come at StartContainer): it stays CREATED for its
     * StartContainer. A start that a crash cut off may have launched it: when the runtime already started it, it is
     * recorded RUNNING; a launch that went no further (the container created, not started, or not even that) is
     * undone (runtime state, conmon and the exit file it writes then, conmon's cgroup), so that the next start
     * launches afresh (for a restore, from the images still in the record dir).
     */
    private void settleLaunch(ContainerRecord record) throws IOException, InterruptedException {
        StateLayout.ContainerPaths paths = table.paths(record.id());
        if (!Files.exists(paths.ociConfig())) {
            // The runroot was emptied (a reboot): no bundle and no rootfs mount to launch from.
            table.store()
                    .save(record.exited(new ContainerRecord.ExitStatus(
                            255, EpochNanos.now(), "Unknown", "the node restarted before the container started")));
            return;
        }
        ContainerRuntime runtime = table.runtime(record.runtimeHandler());
        if (monitor.alive(paths)) {
            Optional<String> status = runtimeStatus(runtime, record);
            if (status.isPresent() && !status.get().equals("created")) {
                exits.expect(record);
                settleStart(record);
                return;
            }
        }
        if (runtime != null && runtime.knows(record.id())) {
            log.warn("undoing the launch of a container a crash cut off before its start id={}", record.id());
            runtime.delete(record.id());
        }
        monitor.awaitExit(paths);
        // The pod's record is not at hand here: the systemd driver finds conmon's scope by name.
        monitor.release("", record.id());
        exits.forget(record.id());
        Files.deleteIfExists(paths.attachLink());
        if (!record.infra()) {
            table.retries().unanswered(record.id());
        }
    }

    /**
     * A CREATED record whose container runs: jcri died between the runtime's start and the RUNNING record. Any
     * other CREATED one may be the answer to a create a crash cut off.
     */
    private void settleStart(ContainerRecord record) throws IOException, InterruptedException {
        if (record.state() != ContainerState.CREATED) {
            return;
        }
        Optional<String> status = runtimeStatus(table.runtime(record.runtimeHandler()), record);
        if (status.isPresent() && !status.get().equals("created")) {
            if (ContainerLaunch.pending(record)) {
                // A launch's PID is known only once conmon reported it, and the RUNNING record that would keep it
                // is what the crash cut off: the runtime's pid file (written by its create or restore before
                // conmon's report) names it.
                record = record.launched(launchedPid(record));
            }
            // The start time died with the previous process; now is the closest honest bound.
            table.store().save(record.started(EpochNanos.now()));
            log.warn(
                    "container found started, recording it RUNNING id={} runtime_status={}", record.id(), status.get());
            exits.recordIfExited(record.id());
        } else if (!record.infra()) {
            table.retries().unanswered(record.id());
        }
    }

    private static Optional<String> runtimeStatus(ContainerRuntime runtime, ContainerRecord record)
            throws InterruptedException {
        try {
            return runtime == null ? Optional.empty() : runtime.status(record.id());
        } catch (IOException e) {
            log.warn(
                    "cannot ask the runtime whether a created container started id={} error=\"{}\"",
                    record.id(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    private int launchedPid(ContainerRecord record) throws IOException {
        return Integer.parseInt(
                Files.readString(table.paths(record.id()).pidFile()).strip());
    }
}
