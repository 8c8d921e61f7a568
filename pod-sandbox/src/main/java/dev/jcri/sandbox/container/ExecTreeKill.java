package dev.jcri.sandbox.container;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Ends a timed-out exec'd command together with every process it started, children before their parents.
 *
 * <p>The order is what keeps the container's PID namespace clean: a process whose parent is still alive is reaped
 * by that parent (a shell waiting for its jobs, the runtime's exec process for the command itself). Killed the other
 * way round, the orphans would go to the container's PID 1, which for most images never calls wait, and stay
 * zombies that {@code ps} and {@code pgrep} still list. Each round kills the processes all of whose children are
 * already killed, then waits a moment for them to be reaped; a parent that does not reap in time is killed anyway,
 * so the whole stays bounded. A process that left the tree on its own (a daemon that forked twice) is out of reach.
 */
final class ExecTreeKill {
    /** How long each round waits for the processes it killed to be reaped by their parents. */
    static final long REAP_WAIT_MILLIS = 500;

    private ExecTreeKill() {}

    /** Kills the process {@code pid} (as the host sees it) and its descendants, leaves first. */
    static void kill(long pid) throws InterruptedException {
        Optional<ProcessHandle> root = ProcessHandle.of(pid);
        if (root.isEmpty()) {
            return;
        }
        Set<Long> killed = new HashSet<>();
        while (!killed.contains(pid)) {
            Map<Long, ProcessHandle> tree = new LinkedHashMap<>();
            root.get().descendants().forEach(process -> tree.put(process.pid(), process));
            tree.put(pid, root.get());
            Map<Long, Long> parents = new LinkedHashMap<>();
            tree.values()
                    .forEach(process -> parents.put(
                            process.pid(),
                            process.parent().map(ProcessHandle::pid).orElse(0L)));
            List<ProcessHandle> round = new ArrayList<>();
            for (long next : leavesFirst(parents, killed)) {
                round.add(tree.get(next));
            }
            if (round.isEmpty()) {
                round.add(root.get());
            }
            for (ProcessHandle process : round) {
                process.destroyForcibly();
                killed.add(process.pid());
            }
            awaitReaped(round);
        }
    }

    /**
     * The processes of a snapshot ({@code parents}: each PID to its parent's) not yet killed whose children are all
     * killed: the next round's. A child forked after the snapshot is met in a later round.
     */
    static List<Long> leavesFirst(Map<Long, Long> parents, Set<Long> killed) {
        Set<Long> busyParents = new HashSet<>();
        parents.forEach((child, parent) -> {
            if (!killed.contains(child)) {
                busyParents.add(parent);
            }
        });
        List<Long> round = new ArrayList<>();
        for (long process : parents.keySet()) {
            if (!killed.contains(process) && !busyParents.contains(process)) {
                round.add(process);
            }
        }
        return round;
    }

    private static void awaitReaped(List<ProcessHandle> processes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REAP_WAIT_MILLIS);
        // isAlive is true for a zombie: it turns false only once the parent has reaped the process.
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
