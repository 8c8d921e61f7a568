package dev.jcri.sandbox.sweep;

import dev.jcri.cni.CniException;
import dev.jcri.cni.CniRuntimeConf;
import dev.jcri.cni.PodNetworking;
import dev.jcri.linux.FileTree;
import dev.jcri.linux.Mount;
import dev.jcri.linux.MountTable;
import dev.jcri.sandbox.cgroup.SystemdDriver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the {@link OrphanSweep} removes each kind of orphan it found: one log line each (under the sweep's logger),
 * counted by kind in {@code removed}; a failure is logged and the sweep goes on.
 */
final class OrphanRemovals {
    private static final Logger log = LoggerFactory.getLogger(OrphanSweep.class);
    private static final long CONMON_EXIT_WAIT_MILLIS = 5_000;

    private OrphanRemovals() {}

    static void removeRuntimeState(OrphanSweep.Seen.Entry state, Map<String, Integer> removed)
            throws InterruptedException {
        try {
            try {
                // Kills what still runs there and removes the container's cgroup with its state.
                state.runtime().delete(state.id());
            } catch (IOException refused) {
                if (!Files.exists(state.path(), LinkOption.NOFOLLOW_LINKS)) {
                    // Deleted meanwhile by a removal whose record went after the sweep looked: nothing was left.
                    return;
                }
                // State the runtime cannot read (a crash mid-create): only files are left, which go directly.
                if (MountTable.anyAtOrBelow(MountTable.mountPoints(), real(state.path()))) {
                    throw refused;
                }
                FileTree.delete(state.path());
            }
            log.info(
                    "orphan removed kind=runtime_state id={} handler={} path={}",
                    state.id(),
                    state.runtime().handler(),
                    state.path());
            removed.merge("runtime_state", 1, Integer::sum);
        } catch (IOException e) {
            log.warn(
                    "orphan not removed kind=runtime_state id={} path={} error=\"{}\"",
                    state.id(),
                    state.path(),
                    e.getMessage());
        }
    }

    /** conmon ends by itself once its container is gone; one that does not is killed. */
    static void endConmon(ConmonProcesses.Found conmon, Map<String, Integer> removed) throws InterruptedException {
        var process = ProcessHandle.of(conmon.pid());
        if (process.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONMON_EXIT_WAIT_MILLIS);
        while (process.get().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        boolean killed = false;
        if (process.get().isAlive()) {
            process.get().destroyForcibly();
            killed = true;
        }
        log.info("orphan removed kind=conmon pid={} id={} killed={}", conmon.pid(), conmon.containerId(), killed);
        removed.merge("conmon", 1, Integer::sum);
    }

    /** CNI DEL with the cached config and result, before the pin goes, so the plugins still find the interface. */
    static void releaseCni(PodNetworking network, String sandboxId, Path netns, Map<String, Integer> removed) {
        try {
            network.tearDown(CniRuntimeConf.forPod(sandboxId, netns, "", "", ""));
            log.info("orphan removed kind=cni_attachment id={}", sandboxId);
            removed.merge("cni_attachment", 1, Integer::sum);
        } catch (CniException | RuntimeException e) {
            log.warn("orphan not removed kind=cni_attachment id={} error=\"{}\"", sandboxId, e.getMessage());
        }
    }

    static void unmount(OrphanSweep.Seen.Entry mount, Map<String, Integer> removed) {
        try {
            if (Mount.detach(mount.path().toString())) {
                log.info("orphan removed kind=mount id={} path={}", mount.id(), mount.path());
                removed.merge("mount", 1, Integer::sum);
            }
        } catch (IOException e) {
            log.warn(
                    "orphan not removed kind=mount id={} path={} error=\"{}\"",
                    mount.id(),
                    mount.path(),
                    e.getMessage());
        }
    }

    /** Never deletes through a mount: a tree that still has one below it stays (and is logged). */
    static void delete(OrphanSweep.Seen.Entry file, List<Path> mountPoints, Map<String, Integer> removed) {
        try {
            if (!Files.exists(file.path(), LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (MountTable.anyAtOrBelow(mountPoints, real(file.path()))) {
                log.warn(
                        "orphan not removed kind={} id={} path={} error=\"a mount remains below it\"",
                        file.kind(),
                        file.id(),
                        file.path());
                return;
            }
            FileTree.delete(file.path());
            log.info("orphan removed kind={} id={} path={}", file.kind(), file.id(), file.path());
            removed.merge(file.kind(), 1, Integer::sum);
        } catch (IOException e) {
            log.warn(
                    "orphan not removed kind={} id={} path={} error=\"{}\"",
                    file.kind(),
                    file.id(),
                    file.path(),
                    e.getMessage());
        }
    }

    /** rmdir, children first; a cgroup that still has processes is busy and stays (and is logged). */
    static void removeCgroup(OrphanSweep.Seen.Entry cgroup, Map<String, Integer> removed) {
        try {
            List<Path> dirs;
            try (var walk = Files.walk(cgroup.path())) {
                dirs = walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                        .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                        .toList();
            }
            boolean any = false;
            for (Path dir : dirs) {
                any |= Files.deleteIfExists(dir);
            }
            if (!any) {
                return; // Removed meanwhile, as below.
            }
            log.info("orphan removed kind={} id={} path={}", cgroup.kind(), cgroup.id(), cgroup.path());
            removed.merge(cgroup.kind(), 1, Integer::sum);
        } catch (NoSuchFileException e) {
            // Removed meanwhile (the runtime's delete takes its cgroups along).
        } catch (IOException | UncheckedIOException e) {
            log.warn(
                    "orphan not removed kind=cgroup id={} path={} error=\"{}\"",
                    cgroup.id(),
                    cgroup.path(),
                    e.getMessage());
        }
    }

    /** A scope without a record: stopped (its processes killed) and its failure forgotten. */
    static void stopUnit(SystemdDriver systemd, SystemdDriver.HeldUnit unit, Map<String, Integer> removed) {
        try {
            systemd.stopUnit(unit.unit());
            log.info("orphan removed kind=systemd_unit id={} unit={}", unit.containerId(), unit.unit());
            removed.merge("systemd_unit", 1, Integer::sum);
        } catch (IOException e) {
            log.warn(
                    "orphan not removed kind=systemd_unit id={} unit={} error=\"{}\"",
                    unit.containerId(),
                    unit.unit(),
                    e.getMessage());
        }
    }

    /** The real path where it exists (mountinfo shows real paths); the path itself otherwise. */
    static Path real(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        try {
            return absolute.toRealPath();
        } catch (IOException e) {
            Path parent = absolute.getParent();
            return parent == null ? absolute : real(parent).resolve(absolute.getFileName());
        }
    }
}
