package dev.jcri.sandbox.container;

import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.Recovery;
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
                remove.remove(record.id());
                cleaned++;
                continue;
            }
            switch (record.state()) {
                case CREATED, RUNNING -> {
                    Optional<ExitWatcher.Exit> exit = exits.exitOf(record.id());
                    if (exit.isPresent()) {
                        exits.record(exit.get());
                    } else if (CheckpointRestore.pending(record) && !monitor.alive(table.paths(record.id()))) {
                        keepPendingRestore(record);
                    } else if (!monitor.alive(table.paths(record.id()))) {
                        table.store()
                                .save(record.exited(new ContainerRecord.ExitStatus(
                                        255, EpochNanos.now(), "Unknown", "conmon is gone and left no exit code")));
                    } else {
                        exits.expect(record.id());
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
     * Created from a checkpoint and not started: no conmon and no runtime state belong to it, so it stays CREATED
     * for its StartContainer. A start that a crash cut off before conmon ran may have left runtime state: deleted,
     * the next start restores afresh from the images still in the record dir.
     */
    private void keepPendingRestore(ContainerRecord record) throws IOException, InterruptedException {
        ContainerRuntime runtime = table.runtime(record.runtimeHandler());
        if (runtime != null && runtime.knows(record.id())) {
            log.warn("deleting the runtime state of a restore a crash cut off id={}", record.id());
            runtime.delete(record.id());
            // The pod's record is not at hand here: the systemd driver finds conmon's scope by name.
            monitor.release("", record.id());
        }
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
        ContainerRuntime runtime = table.runtime(record.runtimeHandler());
        Optional<String> status;
        try {
            status = runtime == null ? Optional.empty() : runtime.status(record.id());
        } catch (IOException e) {
            log.warn(
                    "cannot ask the runtime whether a created container started id={} error=\"{}\"",
                    record.id(),
                    e.getMessage());
            status = Optional.empty();
        }
        if (status.isPresent() && !status.get().equals("created")) {
            if (CheckpointRestore.pending(record)) {
                // A restore's PID is known only once conmon reported it, which the crash cut off: the runtime's pid
                // file (written by `restore --pid-file` before conmon's report) names it.
                record = record.created(restoredProcess(record));
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

    private ContainerRecord.ContainerProcess restoredProcess(ContainerRecord record) throws IOException {
        int pid = Integer.parseInt(
                Files.readString(table.paths(record.id()).pidFile()).strip());
        ContainerRecord.ContainerProcess before = record.process().orElseThrow();
        return new ContainerRecord.ContainerProcess(pid, before.uid(), before.gid(), before.additionalGids());
    }
}
