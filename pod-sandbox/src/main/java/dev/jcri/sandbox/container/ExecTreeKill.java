package dev.jcri.sandbox.container;

import dev.jcri.linux.ErrnoException;
import dev.jcri.linux.PidFd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 *
 * <p>While a round's processes die, the rest of the tree is stopped (SIGSTOP, then SIGCONT once they are dead): a
 * shell whose foreground child was just killed would otherwise go on and exit before its killed background jobs are
 * dead, and those, orphaned, would become PID 1's zombies. Continued, it finds them dead and reaps them as it waits.
 */
final class ExecTreeKill {
    /** How long each round waits for the processes it killed to be reaped by their parents. */
    static final long REAP_WAIT_MILLIS = 500;

    private static final int SIGCONT = 18;
    private static final int SIGSTOP = 19;

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
            List<PidFd> held = stopAllBut(tree.keySet(), round, killed);
            try {
                for (ProcessHandle process : round) {
                    process.destroyForcibly();
                    killed.add(process.pid());
                }
                awaitDead(round);
            } finally {
                for (PidFd process : held) {
                    try (process) {
                        process.signal(SIGCONT);
                    } catch (ErrnoException e) {
                        // Gone meanwhile: nothing to continue.
                    }
                }
            }
            awaitReaped(round);
        }
    }

    /** Stops the tree's processes that this round does not kill; the pidfds to continue them by. */
    private static List<PidFd> stopAllBut(Set<Long> tree, List<ProcessHandle> round, Set<Long> killed) {
        Set<Long> dying = new HashSet<>();
        round.forEach(process -> dying.add(process.pid()));
        List<PidFd> held = new ArrayList<>();
        for (long pid : tree) {
            if (dying.contains(pid) || killed.contains(pid)) {
                continue;
            }
            try {
                Optional<PidFd> process = PidFd.open(pid);
                if (process.isPresent()) {
                    if (process.get().signal(SIGSTOP)) {
                        held.add(process.get());
                    } else {
                        process.get().close();
                    }
                }
            } catch (ErrnoException e) {
                // Not stopped: at worst this parent may exit before reaping, as without the stop.
            }
        }
        return held;
    }

    /** Waits, boundedly, until the killed processes are dead: zombies awaiting their parent's wait, or reaped. */
    private static void awaitDead(List<ProcessHandle> processes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REAP_WAIT_MILLIS);
        while (processes.stream().anyMatch(process -> running(process.pid())) && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
    }

    /** False for a zombie or a reaped process: the state field of /proc/PID/stat follows the command's ')'. */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            return end >= 0 && end + 2 < stat.length() && stat.charAt(end + 2) != 'Z' && stat.charAt(end + 2) != 'X';
        } catch (IOException e) {
            return false;
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
