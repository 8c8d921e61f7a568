package dev.jcri.sandbox.container;

import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.NotFoundException;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** StartContainer: the runtime starts the created container's entrypoint; the record becomes RUNNING. */
final class ContainerStart {
    private static final Logger log = LoggerFactory.getLogger(ContainerStart.class);

    private final ContainerTable table;
    private final ContainerExits exits;

    ContainerStart(ContainerTable table, ContainerExits exits) {
        this.table = table;
        this.exits = exits;
    }

    ContainerRecord start(String idOrPrefix) throws IOException, InterruptedException {
        ContainerRecord record = table.store()
                .find(idOrPrefix)
                .filter(r -> r.state() != ContainerState.CREATING)
                .orElseThrow(() -> new NotFoundException("container " + idOrPrefix + " not found"));
        ReentrantLock lock = table.lockOf(record.id());
        lock.lock();
        try {
            record = table.current(record.id());
            if (record.state() != ContainerState.CREATED) {
                throw new IllegalStateException("container " + record.id() + " is " + record.state()
                        + ", not CREATED; only a created container can start");
            }
            // Taken before the start: a short command's exit file may be older than "after start returned".
            long startedAt = EpochNanos.now();
            // A restored container runs since its create: CRIU restores processes running, there is no "created".
            if (!record.spec().annotations().containsKey(CheckpointRestore.RESTORED_FROM)) {
                table.runtime(record.runtimeHandler()).start(record.id());
            }
            table.retries().answered(record.id());
            CrashPoint.reached(Step.CONTAINER_STARTED);
            // A node crash that loses RUNNING leaves CREATED, which the next start settles as it would RUNNING: no
            // conmon after a reboot, so EXITED either way.
            table.store().saveChange(record.started(startedAt));
            CrashPoint.reached(Step.CONTAINER_RUNNING_SAVED);
            table.publish(ContainerEvents.Type.STARTED, record.started(startedAt));
            log.info("container started id={} name={}", record.id(), record.name());
        } finally {
            lock.unlock();
        }
        // A short command may have exited already; its exit file then came before the RUNNING record.
        exits.recordIfExited(record.id());
        return table.current(record.id());
    }
}
