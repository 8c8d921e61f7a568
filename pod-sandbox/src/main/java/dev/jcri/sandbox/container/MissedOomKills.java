package dev.jcri.sandbox.container;

import dev.jcri.sandbox.cgroup.CgroupParent;
import dev.jcri.sandbox.cgroup.KeyedCgroupFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * OOM kills conmon misses. On cgroup v2 conmon learns of one from the container cgroup's {@code memory.events}; with
 * the systemd driver, systemd removes an emptied scope at once, and conmon may read the file after it is gone (conmon
 * issue 426, CRI-O issue 7035: the OOM is then reported as a plain SIGKILL). {@code memory.events} counts a subtree's
 * events, so the pod's cgroup still holds the kill: a container whose init died of SIGKILL that jcri did not send
 * was OOM killed when its own cgroup counted a kill, or, that cgroup gone, when its pod's cgroup counted one since the
 * container started. The rare case this gets wrong: someone else's SIGKILL to a container's init in a pod where any
 * process was OOM killed meanwhile.
 */
final class MissedOomKills {
    /** 128 + SIGKILL, as conmon reports a death by that signal. */
    private static final int KILLED_EXIT_CODE = 137;

    private final Path v2Root;
    private final Function<String, Optional<String>> cgroupParents;
    private final Map<String, Baseline> baselines = new ConcurrentHashMap<>();
    private final Set<String> killedByJcri = ConcurrentHashMap.newKeySet();

    private record Baseline(String cgroupParent, long podOomKills) {}

    /**
     * @param v2Root the cgroup v2 tree holding every controller, or null on a v1 or hybrid host (conmon's v1 eventfd
     *     reports a kill together with the cgroup's removal, so nothing is missed there)
     * @param cgroupParents the cgroup parent of a pod sandbox ID
     */
    MissedOomKills(Path v2Root, Function<String, Optional<String>> cgroupParents) {
        this.v2Root = v2Root;
        this.cgroupParents = cgroupParents;
    }

    /** For this host: on by a unified cgroup v2 tree at {@code /sys/fs/cgroup}. */
    static MissedOomKills forHost(Function<String, Optional<String>> cgroupParents) {
        Path root = Path.of("/sys/fs/cgroup");
        return new MissedOomKills(Files.exists(root.resolve("cgroup.controllers")) ? root : null, cgroupParents);
    }

    /** The container's entrypoint is about to run (or, after a restart of jcri, runs): kills from now on count. */
    void watch(String containerId, String sandboxId) {
        if (v2Root == null) {
            return;
        }
        cgroupParents.apply(sandboxId).filter(parent -> !parent.isEmpty()).ifPresent(parent -> {
            long count = oomKills(v2Root.resolve(CgroupParent.podCgroup(parent).substring(1)));
            if (count >= 0) {
                baselines.put(containerId, new Baseline(parent, count));
            }
        });
    }

    /** jcri sends the container SIGKILL (a stop): its death is no OOM kill of the kernel's. */
    void killing(String containerId) {
        if (baselines.containsKey(containerId)) {
            killedByJcri.add(containerId);
        }
    }

    /** Whether the container's exit is an OOM kill conmon did not report. */
    boolean missed(String containerId, int exitCode) {
        Baseline baseline = baselines.get(containerId);
        if (baseline == null || exitCode != KILLED_EXIT_CODE || killedByJcri.contains(containerId)) {
            return false;
        }
        long own = oomKills(v2Root.resolve(CgroupParent.containerCgroup(baseline.cgroupParent(), containerId)
                .substring(1)));
        if (own >= 0) {
            return own > 0;
        }
        return oomKills(v2Root.resolve(
                        CgroupParent.podCgroup(baseline.cgroupParent()).substring(1)))
                > baseline.podOomKills();
    }

    /** The container's exit is recorded, or it is gone. */
    void forget(String containerId) {
        baselines.remove(containerId);
        killedByJcri.remove(containerId);
    }

    /** The {@code oom_kill} count of a cgroup's subtree, or -1 when the cgroup is gone. */
    static long oomKills(Path cgroup) {
        String events;
        try {
            events = Files.readString(cgroup.resolve("memory.events"));
        } catch (IOException e) {
            return -1;
        }
        return oomKillCount(events);
    }

    /** The {@code oom_kill} line of a {@code memory.events} text; 0 when it has none. */
    static long oomKillCount(String memoryEvents) {
        return KeyedCgroupFile.parse(memoryEvents).getOrDefault("oom_kill", 0L);
    }
}
