package dev.jcri.sandbox.container;

import dev.jcri.linux.PidFd;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.EpochNanos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * StopContainer: the container's stop signal (through a pidfd, else the runtime's {@code kill}), then SIGKILL once the
 * timeout passed (at once for 0); returns when the exit is recorded. Idempotent: a stopped or unknown container is
 * fine.
 */
final class ContainerStop {
    /** How long a container may take to die of SIGKILL before the stop fails. */
    static final long KILL_WAIT_SECONDS = 30;

    private final ContainerTable table;
    private final ContainerExits exits;

    ContainerStop(ContainerTable table, ContainerExits exits) {
        this.table = table;
        this.exits = exits;
    }

    void stop(String idOrPrefix, long timeoutSeconds) throws IOException, InterruptedException {
        Optional<ContainerRecord> found = table.store().find(idOrPrefix);
        if (found.isEmpty()) {
            return;
        }
        ContainerRecord record = found.get();
        if (record.state() != ContainerState.RUNNING && record.state() != ContainerState.CREATED) {
            return;
        }
        if (ContainerLaunch.pending(record) && stopPending(record.id())) {
            return;
        }
        CompletableFuture<Void> exited = exits.signalOf(record.id());
        Optional<ExitWatcher.Exit> already = exits.exitOf(record.id());
        if (already.isPresent()) {
            exits.record(already.get());
            return;
        }
        ContainerRuntime runtime = table.runtime(record.runtimeHandler());
        if (timeoutSeconds > 0) {
            signal(runtime, record, runtimeForm(record.stopSignal()), exited);
            CrashPoint.reached(Step.CONTAINER_STOP_SIGNALLED);
            if (awaitExit(exited, timeoutSeconds)) {
                return;
            }
        }
        signal(runtime, record, "KILL", exited);
        CrashPoint.reached(Step.CONTAINER_STOP_SIGNALLED);
        if (!awaitExit(exited, KILL_WAIT_SECONDS)) {
            throw new IOException(
                    "container " + record.id() + " did not exit within " + KILL_WAIT_SECONDS + " s of SIGKILL");
        }
    }

    /**
     * A container never started has no process to signal (conmon and the runtime's create come at StartContainer):
     * it ends EXITED as it is. False when a StartContainer launched it meanwhile.
     */
    private boolean stopPending(String id) throws IOException {
        ReentrantLock lock = table.lockOf(id);
        lock.lock();
        try {
            ContainerRecord record = table.store().get(id).orElse(null);
            if (record == null || !ContainerLaunch.pending(record)) {
                return record == null || record.state() != ContainerState.RUNNING;
            }
            String message = CheckpointRestore.pending(record)
                    ? "stopped before its restore from a checkpoint ran"
                    : "stopped before it started";
            ContainerRecord exited =
                    record.exited(new ContainerRecord.ExitStatus(0, EpochNanos.now(), "Completed", message));
            table.store().save(exited);
            table.publish(ContainerEvents.Type.STOPPED, exited);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Real-time signals go by number: runtimes differ in how they spell them ({@code SIGRTMIN+3}, {@code RTMIN+3}). */
    private static String runtimeForm(String stopSignal) {
        return stopSignal.startsWith("SIGRT")
                ? SignalName.number(stopSignal).map(String::valueOf).orElse(stopSignal)
                : stopSignal;
    }

    private void signal(ContainerRuntime runtime, ContainerRecord record, String signal, CompletableFuture<Void> exited)
            throws IOException, InterruptedException {
        if (SignalName.canonical(signal).filter("SIGKILL"::equals).isPresent()) {
            exits.killing(record.id());
        }
        try {
            if (signalDirectly(record, signal)) {
                return;
            }
            runtime.kill(record.id(), signal);
        } catch (IOException e) {
            // Gone between the check and the signal: its exit settles it. conmon writes the exit file a moment after
            // the death (the infra container's end takes a shared PID namespace's members with it), so a container
            // the runtime reports stopped is waited for; one it reports alive refused the signal.
            if (exits.exitOf(record.id()).isPresent()) {
                return;
            }
            if (!stoppedPerRuntime(runtime, record.id()) || !awaitExit(exited, KILL_WAIT_SECONDS)) {
                throw e;
            }
        }
    }

    private static boolean stoppedPerRuntime(ContainerRuntime runtime, String id) throws InterruptedException {
        try {
            return runtime.status(id).map("stopped"::equals).orElse(true);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What {@code <runtime> kill} does (the signal to the container's init), without starting the runtime: through a
     * pidfd of the recorded PID, once {@code /proc/<pid>/cgroup} shows the process in a cgroup named after the
     * container (both drivers name it so: {@code <parent>/<id>}, {@code jcri-<id>.scope}); the pidfd keeps a reused
     * PID from being signalled after that check. False (the runtime signals instead) when the PID is unknown, the
     * process gone or elsewhere, or the signal has no number.
     */
    private static boolean signalDirectly(ContainerRecord record, String signal) throws IOException {
        Optional<Integer> number = SignalName.canonical(signal).flatMap(SignalName::number);
        if (record.pid() <= 0 || number.isEmpty()) {
            return false;
        }
        Optional<PidFd> process = PidFd.open(record.pid());
        if (process.isEmpty()) {
            return false;
        }
        try (PidFd pidfd = process.get()) {
            String cgroups;
            try {
                cgroups = Files.readString(Path.of("/proc", Integer.toString(record.pid()), "cgroup"));
            } catch (IOException e) {
                return false;
            }
            return cgroups.contains(record.id()) && pidfd.signal(number.get());
        }
    }

    private static boolean awaitExit(CompletableFuture<Void> exited, long seconds) throws InterruptedException {
        try {
            exited.get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }
}
