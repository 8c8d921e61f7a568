package dev.jcri.sandbox.container;

import dev.jcri.sandbox.EpochNanos;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container exits: conmon writes an exit file, the watcher reads it, and the record becomes EXITED with its code,
 * time and reason (OOMKilled when the monitor saw an OOM kill, or one it missed, {@link MissedOomKills}). A stop waits
 * on the container's exit signal.
 */
final class ContainerExits implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ContainerExits.class);

    private final ContainerTable table;
    private final ContainerMonitor monitor;
    private final Map<String, CompletableFuture<Void>> signals = new ConcurrentHashMap<>();
    private final AtomicLong oomKills = new AtomicLong();
    private final ExitFiles files;
    private final MissedOomKills missedOomKills;

    ContainerExits(ContainerTable table, ContainerMonitor monitor, ExitFiles.Watch watch, MissedOomKills missedOomKills)
            throws IOException {
        this.table = table;
        this.monitor = monitor;
        this.missedOomKills = missedOomKills;
        this.files = watch.start(this::record);
    }

    /** The exit conmon wrote for the container, recorded or not yet. */
    Optional<ExitWatcher.Exit> exitOf(String id) {
        return files.exitOf(id);
    }

    /** Completes once the container's exit is recorded. */
    CompletableFuture<Void> signalOf(String id) {
        return signals.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    /** A container that runs now (or whose entrypoint is about to): its exit is yet to come. */
    void expect(ContainerRecord record) {
        signals.put(record.id(), new CompletableFuture<>());
        missedOomKills.watch(record.id(), record.sandboxId());
    }

    /** jcri is about to send the container SIGKILL: an exit by that signal is then no OOM kill. */
    void killing(String id) {
        missedOomKills.killing(id);
    }

    /** Records the exit if conmon wrote one: it may have come before the record it would update. */
    void recordIfExited(String id) {
        files.exitOf(id).ifPresent(this::record);
    }

    /** The container is removed: its exit file and signal go. */
    void forget(String id) throws IOException {
        files.forget(id);
        signals.remove(id);
        missedOomKills.forget(id);
    }

    void record(ExitWatcher.Exit exit) {
        ReentrantLock lock = table.lockOf(exit.containerId());
        lock.lock();
        try {
            ContainerRecord record = table.store().get(exit.containerId()).orElse(null);
            // A container not launched has no process: an exit file then belongs to a launch recovery undid.
            if (record == null
                    || record.state() == ContainerState.EXITED
                    || record.state() == ContainerState.CREATING
                    || ContainerLaunch.pending(record)) {
                return;
            }
            boolean oom = monitor.oomKilled(table.paths(record.id()));
            if (!oom && missedOomKills.missed(record.id(), exit.exitCode())) {
                log.info("OOM kill counted by the cgroup, not reported by conmon id={}", record.id());
                oom = true;
            }
            missedOomKills.forget(record.id());
            String reason = oom ? "OOMKilled" : exit.exitCode() == 0 ? "Completed" : "Error";
            if (oom) {
                oomKills.incrementAndGet();
            }
            long finished = Math.max(record.startedAt(), EpochNanos.of(exit.finishedAt()));
            ContainerRecord exited =
                    record.exited(new ContainerRecord.ExitStatus(exit.exitCode(), finished, reason, ""));
            table.store().save(exited);
            table.publish(ContainerEvents.Type.STOPPED, exited);
            log.info(
                    "container exited id={} name={} exit_code={} reason={}",
                    record.id(),
                    record.name(),
                    exit.exitCode(),
                    reason);
        } catch (IOException e) {
            log.error("cannot record exit container={} error=\"{}\"", exit.containerId(), e.getMessage());
        } finally {
            lock.unlock();
            signalOf(exit.containerId()).complete(null);
        }
    }

    /**
     * The container, which must exist (else NotFoundException) and run (else IllegalStateException): an exit
     * conmon reported but not yet recorded counts as not running.
     */
    ContainerRecord requireRunning(String idOrPrefix) {
        ContainerRecord record = table.require(idOrPrefix);
        if (record.state() != ContainerState.RUNNING
                || files.exitOf(record.id()).isPresent()) {
            throw new IllegalStateException(
                    "container " + record.id() + " is not running (state " + record.state() + ")");
        }
        return record;
    }

    /** Containers that ended by an OOM kill since jcri started, for metrics. */
    long oomKills() {
        return oomKills.get();
    }

    @Override
    public void close() throws IOException {
        files.close();
    }
}
