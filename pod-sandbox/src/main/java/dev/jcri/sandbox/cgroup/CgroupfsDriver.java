package dev.jcri.sandbox.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroupfs driver: pod parents are absolute paths, the runtime makes {@code <parent>/<id>} itself, and jcri
 * puts each container's conmon in {@code <parent>/conmon-<id>} in every hierarchy the host mounts (v1 controllers,
 * named hierarchies and the v2 tree), out of jcri's own cgroup.
 */
public final class CgroupfsDriver implements CgroupDriver {
    private static final Logger log = LoggerFactory.getLogger(CgroupfsDriver.class);

    private final List<Path> hierarchies;

    /** @param hierarchies the mount points of every cgroup hierarchy conmon should be placed in */
    public CgroupfsDriver(List<Path> hierarchies) {
        this.hierarchies = List.copyOf(hierarchies);
    }

    /** Every hierarchy of the host's layout, each mount point once. */
    public static CgroupfsDriver of(CgroupLayout layout) {
        Set<Path> mounts = new LinkedHashSet<>(layout.v1Hierarchies().values());
        layout.v2Mount().ifPresent(mounts::add);
        return new CgroupfsDriver(new ArrayList<>(mounts));
    }

    @Override
    public String name() {
        return "cgroupfs";
    }

    @Override
    public void checkParent(String parent) {
        if (!CgroupParent.isPath(parent)) {
            throw new IllegalArgumentException("linux.cgroup_parent: \"" + parent + "\" is not an absolute cgroup path"
                    + (parent.endsWith(".slice") && !parent.contains("/")
                            ? " (a systemd slice, but this node's cgroup_manager is cgroupfs)"
                            : " (the cgroupfs driver takes /kubepods/... paths)"));
        }
    }

    @Override
    public List<String> runtimeFlags() {
        return List.of();
    }

    @Override
    public void placeConmon(String parent, String containerId, long conmonPid) throws IOException {
        String relative = CgroupParent.conmonCgroup(parent, containerId).substring(1);
        for (Path hierarchy : hierarchies) {
            Path dir = hierarchy.resolve(relative);
            makeCgroup(hierarchy, dir);
            try {
                join(hierarchy, dir, conmonPid);
            } catch (IOException e) {
                throw new IOException(
                        "cannot move conmon (pid " + conmonPid + ") to cgroup " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    /** In one hierarchy: the kernel's wait this is for is one for all of them. */
    @Override
    public void startConmonMove(String parent, String containerId, long launcherPid) {
        if (hierarchies.isEmpty()) {
            return;
        }
        Path hierarchy = hierarchies.getFirst();
        Path dir =
                hierarchy.resolve(CgroupParent.conmonCgroup(parent, containerId).substring(1));
        try {
            makeCgroup(hierarchy, dir);
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(launcherPid), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            // Mostly ESRCH: conmon's first process forked and ended already, and the runtime's move waits alone.
            log.debug("early conmon move not made id={} error=\"{}\"", containerId, e.getMessage());
        }
    }

    private static void join(Path hierarchy, Path dir, long pid) throws IOException {
        Path procs = dir.resolve("cgroup.procs");
        try {
            Files.writeString(procs, Long.toString(pid), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            // ENOSPC is the cpuset's refusal; any other error fails the same way again.
            fillBlankCpusets(hierarchy, dir);
            Files.writeString(procs, Long.toString(pid), StandardCharsets.US_ASCII);
        }
    }

    @Override
    public void release(String parent, String containerId) throws IOException {
        if (!CgroupParent.isPath(parent)) {
            return;
        }
        String relative = CgroupParent.conmonCgroup(parent, containerId).substring(1);
        for (Path hierarchy : hierarchies) {
            removeCgroup(hierarchy.resolve(relative));
        }
    }

    /**
     * rmdir of a cgroup; the kernel refuses while a process is inside, and conmon, killed a moment ago, may still be
     * on its way out, so it is tried for a while.
     */
    static void removeCgroup(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (java.nio.file.FileSystemException e) {
                if (attempt >= 20) {
                    throw new IOException("cannot remove cgroup " + dir + ": " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted removing cgroup " + dir, interrupted);
                }
            }
        }
    }

    /**
     * mkdir -p within one hierarchy. A new v1 cpuset cgroup has no CPUs or memory nodes, so no process can join it:
     * each level made gets its parent's.
     */
    private static void makeCgroup(Path hierarchy, Path dir) throws IOException {
        // Only the missing levels, found from the bottom: a conmon's parent (the pod's cgroup) mostly exists.
        List<Path> missing = new ArrayList<>();
        for (Path p = dir;
                p != null && p.startsWith(hierarchy) && !p.equals(hierarchy) && !Files.isDirectory(p);
                p = p.getParent()) {
            missing.addFirst(p);
        }
        for (Path level : missing) {
            try {
                Files.createDirectory(level);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                continue;
            }
            inheritCpuset(level);
            log.debug("cgroup made path={}", level);
        }
    }

    /**
     * After a process was refused (ENOSPC: a cpuset level on the way has no CPUs or memory nodes), gives every
     * blank level from the hierarchy down its parent's. Such a level was made by another writer that has not filled
     * it yet (a runtime's create making the pod's cgroup) or never does; being blank, it holds no process, so
     * filling it takes nothing from anyone.
     */
    private static void fillBlankCpusets(Path hierarchy, Path dir) throws IOException {
        Path level = hierarchy;
        for (Path name : hierarchy.relativize(dir)) {
            level = level.resolve(name);
            inheritCpuset(level);
        }
    }

    /** Gives a blank cpuset level its parent's CPUs and memory nodes (outside the cpuset hierarchy: nothing). */
    private static void inheritCpuset(Path level) throws IOException {
        for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
            Path own = level.resolve(file);
            Path inherited = level.getParent().resolve(file);
            if (Files.exists(own)
                    && Files.exists(inherited)
                    && Files.readString(own).isBlank()) {
                Files.writeString(own, Files.readString(inherited).strip());
            }
        }
    }
}
