package dev.jcri.sandbox.sweep;

import dev.jcri.cni.CniException;
import dev.jcri.cni.CniRuntimeConf;
import dev.jcri.cni.PodNetworking;
import dev.jcri.image.store.ImageStore;
import dev.jcri.linux.FileTree;
import dev.jcri.linux.Mount;
import dev.jcri.linux.MountTable;
import dev.jcri.sandbox.cgroup.CgroupLayout;
import dev.jcri.sandbox.cgroup.CgroupParent;
import dev.jcri.sandbox.cgroup.SystemdDriver;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.container.OciRuntime;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxId;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what a crash (or a failed undo) left on the node that no sandbox or container record owns, and removes it
 * with one log line each: runtime state, conmon processes, CNI attachments, mounts, namespace pins, bundles, exit
 * files, record dirs without a record, cgroups, and image-store leftovers.
 *
 * <p>It looks only inside jcri's own places: its root and runroot, its runtime handlers' state dirs, its own
 * cgroup parent (never parents kubelet gives, where other runtimes' containers may live), and conmon processes
 * whose command line names jcri's bundle and exit dirs. Everything it acts on is named by a 64-hex ID; an ID is
 * owned while a record has it, in memory or as a record file on disk (one that did not load is the operator's).
 *
 * <p>Why it never races with a create: every create reserves its record (in memory, by ID) before it makes
 * anything, and every removal deletes the record last. The sweep first observes what exists, then reads the IDs
 * that have records. So anything it observed was either owned when the records were read, or its record was
 * already deleted, which means its removal had run; removing it again is harmless. IDs are random and never
 * reused.
 */
public final class OrphanSweep {
    private static final Logger log = LoggerFactory.getLogger(OrphanSweep.class);
    private static final List<String> NAMESPACE_KINDS = List.of("net", "ipc", "uts", "pid", "user");
    private static final long CONMON_EXIT_WAIT_MILLIS = 5_000;
    private static final String CONMON_CGROUP_PREFIX = "conmon-";

    /**
     * jcri's own places.
     *
     * @param cgroupParent jcri's own cgroup parent ({@code cgroup_parent}), as a cgroup path
     * @param stateDirs jcri's root and runroot: only runtime handlers whose state dir lies inside are swept
     */
    public record Layout(Path nsRoot, Path shmRoot, Path sandboxRecords, Path containerRecords, Path bundlesDir,
            Path exitDir, Path socketDir, String cgroupParent, List<Path> stateDirs) {}

    /** What one sweep removed, counted by kind (cgroup, mount, conmon, ...). */
    public record Result(Map<String, Integer> byKind) {
        public int total() {
            return byKind.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final Layout layout;
    private final PodSandboxes sandboxes;
    private final Containers containers;
    private final Collection<OciRuntime> runtimes;
    private final PodNetworking network;
    private final ImageStore images;
    private volatile SystemdDriver systemd;

    public OrphanSweep(Layout layout, PodSandboxes sandboxes, Containers containers, Collection<OciRuntime> runtimes,
            PodNetworking network, ImageStore images) {
        this.layout = layout;
        this.sandboxes = sandboxes;
        this.containers = containers;
        List<OciRuntime> own = new ArrayList<>();
        for (OciRuntime runtime : runtimes) {
            Path root = runtime.root().toAbsolutePath().normalize();
            if (layout.stateDirs().stream().anyMatch(d -> root.startsWith(d.toAbsolutePath().normalize()))) {
                own.add(runtime);
            } else {
                // A root outside jcri's dirs (say /run/runc) may hold other tools' containers.
                log.info("orphan sweep leaves the runtime state of handler {} alone: its root {} is outside jcri's"
                        + " own dirs", runtime.handler(), runtime.root());
            }
        }
        this.runtimes = List.copyOf(own);
        this.network = network;
        this.images = images;
    }

    /** With the systemd driver: jcri's container and conmon scopes systemd holds are swept too. */
    public void sweepUnitsOf(SystemdDriver driver) {
        this.systemd = driver;
    }

    /** One pass; a failure on one object is logged and the rest goes on. */
    public synchronized Result sweep() throws InterruptedException {
        Map<String, Integer> removed = new TreeMap<>();
        // Two rounds, each observing first and reading the records after (see the class comment): the first ends
        // processes and network attachments, whose ends leave files (conmon's exit file) the second then finds.
        Seen seen = observeProcesses();
        Set<String> pods = sandboxOwners();
        Set<String> ctrs = containerOwners();

        for (Seen.Entry state : seen.runtimeStates) {
            if (!ctrs.contains(state.id())) {
                removeRuntimeState(state, removed);
            }
        }
        for (ConmonProcesses.Found conmon : seen.conmons) {
            if (!ctrs.contains(conmon.containerId())) {
                endConmon(conmon, removed);
            }
        }
        for (String id : seen.cniAttachments) {
            if (!pods.contains(id)) {
                releaseCni(id, removed);
            }
        }
        for (SystemdDriver.HeldUnit unit : seen.units) {
            if (!ctrs.contains(unit.containerId())) {
                stopUnit(unit, removed);
            }
        }
        seen = observeFiles();
        pods = sandboxOwners();
        ctrs = containerOwners();
        List<Seen.Entry> mounts = new ArrayList<>(seen.mounts);
        // Deepest first, so no mount is detached from under another one of the same object.
        mounts.sort(Comparator.comparingInt((Seen.Entry e) -> e.path().getNameCount()).reversed());
        for (Seen.Entry mount : mounts) {
            if (!(mount.ofContainer() ? ctrs : pods).contains(mount.id())) {
                unmount(mount, removed);
            }
        }
        try {
            List<Path> mountPoints = MountTable.mountPoints();
            for (Seen.Entry file : seen.files) {
                if (!(file.ofContainer() ? ctrs : pods).contains(file.id())) {
                    delete(file, mountPoints, removed);
                }
            }
        } catch (IOException e) {
            // Without the mount table no tree can be shown to be mount-free, so none is deleted.
            log.warn("orphan sweep cannot read mountinfo; no files removed error=\"{}\"", e.getMessage());
        }
        for (Seen.Entry cgroup : seen.cgroups) {
            if (!ctrs.contains(cgroup.id())) {
                removeCgroup(cgroup, removed);
            }
        }
        try {
            for (Path leftover : images.sweepLeftovers()) {
                log.info("orphan removed kind=storage path={}", leftover);
                removed.merge("storage", 1, Integer::sum);
            }
        } catch (IOException e) {
            log.warn("orphan sweep of the image store failed error=\"{}\"", e.getMessage());
        }
        return new Result(Map.copyOf(removed));
    }

    /**
     * The sandboxes with a record, plus those whose record file exists but did not load: an unreadable record is
     * left for the operator, and so is everything of its object.
     */
    private Set<String> sandboxOwners() {
        Set<String> owners = new java.util.HashSet<>(sandboxes.recordIds());
        owners.addAll(recordFilesOnDisk(layout.sandboxRecords(), "sandbox.json"));
        return owners;
    }

    private Set<String> containerOwners() {
        Set<String> owners = new java.util.HashSet<>(containers.recordIds());
        owners.addAll(recordFilesOnDisk(layout.containerRecords(), "container.json"));
        return owners;
    }

    private static Set<String> recordFilesOnDisk(Path recordsDir, String file) {
        Set<String> ids = new java.util.HashSet<>();
        for (Path dir : idEntries(recordsDir)) {
            if (Files.exists(dir.resolve(file), LinkOption.NOFOLLOW_LINKS)) {
                ids.add(name(dir));
            }
        }
        return ids;
    }

    /** Everything the sweep looks at, each with the ID that would own it. */
    private static final class Seen {
        /** @param ofContainer whether a container record owns it (else a sandbox record) */
        record Entry(String kind, String id, Path path, boolean ofContainer, OciRuntime runtime) {}

        final List<Entry> runtimeStates = new ArrayList<>();
        final List<ConmonProcesses.Found> conmons = new ArrayList<>();
        final Set<String> cniAttachments = new LinkedHashSet<>();
        final List<Entry> mounts = new ArrayList<>();
        final List<Entry> files = new ArrayList<>();
        final List<Entry> cgroups = new ArrayList<>();
        final List<SystemdDriver.HeldUnit> units = new ArrayList<>();
    }

    private Seen observeProcesses() {
        Seen seen = new Seen();
        for (OciRuntime runtime : runtimes) {
            for (Path dir : idEntries(runtime.root())) {
                seen.runtimeStates.add(new Seen.Entry("runtime_state", name(dir), dir, true, runtime));
            }
        }
        try {
            seen.conmons.addAll(ConmonProcesses.of(layout.bundlesDir(), layout.exitDir()));
        } catch (IOException e) {
            log.warn("orphan sweep cannot list processes error=\"{}\"", e.getMessage());
        }
        network.attachedIds().stream().filter(SandboxId::isValid).forEach(seen.cniAttachments::add);
        SystemdDriver units = systemd;
        if (units != null) {
            try {
                seen.units.addAll(units.heldUnits());
            } catch (IOException e) {
                log.warn("orphan sweep cannot list jcri's systemd units error=\"{}\"", e.getMessage());
            }
        }
        return seen;
    }

    private Seen observeFiles() {
        Seen seen = new Seen();
        observeMounts(seen);
        for (String kind : NAMESPACE_KINDS) {
            for (Path pin : idEntries(layout.nsRoot().resolve(kind))) {
                seen.files.add(new Seen.Entry("pin", name(pin), pin, false, null));
            }
        }
        for (Path dir : idEntries(layout.shmRoot())) {
            seen.files.add(new Seen.Entry("shm_dir", name(dir), dir, false, null));
        }
        for (Path dir : idEntries(layout.bundlesDir())) {
            seen.files.add(new Seen.Entry("bundle", name(dir), dir, true, null));
        }
        for (Path file : idEntries(layout.exitDir())) {
            seen.files.add(new Seen.Entry("exit_file", name(file), file, true, null));
        }
        for (Path link : idEntries(layout.socketDir())) {
            seen.files.add(new Seen.Entry("attach_link", name(link), link, true, null));
        }
        // A dir that still holds a record file is not an orphan even when the record did not load: an unreadable
        // record is left for the operator.
        for (Path dir : idEntries(layout.sandboxRecords())) {
            if (!Files.exists(dir.resolve("sandbox.json"), LinkOption.NOFOLLOW_LINKS)) {
                seen.files.add(new Seen.Entry("record_dir", name(dir), dir, false, null));
            }
        }
        for (Path dir : idEntries(layout.containerRecords())) {
            if (!Files.exists(dir.resolve("container.json"), LinkOption.NOFOLLOW_LINKS)) {
                seen.files.add(new Seen.Entry("record_dir", name(dir), dir, true, null));
            }
        }
        for (Path parent : cgroupParents()) {
            for (Path cgroup : idEntries(parent)) {
                seen.cgroups.add(new Seen.Entry("cgroup", name(cgroup), cgroup, true, null));
            }
            // conmon's own cgroups (cgroupfs driver): conmon-<container id>.
            for (Path cgroup : idEntries(parent, CONMON_CGROUP_PREFIX)) {
                seen.cgroups.add(new Seen.Entry("conmon_cgroup",
                        name(cgroup).substring(CONMON_CGROUP_PREFIX.length()), cgroup, true, null));
            }
        }
        return seen;
    }

    /**
     * Mounts under the places jcri mounts things: pins ({@code ns/<kind>/<id>}), the pod's shm
     * ({@code sandboxes/<id>/shm}), rootfs overlays ({@code containers/<id>/rootfs}), compared as real paths, as
     * mountinfo shows them.
     */
    private void observeMounts(Seen seen) {
        List<Path> points;
        try {
            points = MountTable.mountPoints();
        } catch (IOException e) {
            log.warn("orphan sweep cannot read mountinfo error=\"{}\"", e.getMessage());
            return;
        }
        record Scope(Path dir, boolean ofContainer) {}
        List<Scope> scopes = new ArrayList<>();
        for (String kind : NAMESPACE_KINDS) {
            scopes.add(new Scope(real(layout.nsRoot().resolve(kind)), false));
        }
        scopes.add(new Scope(real(layout.shmRoot()), false));
        scopes.add(new Scope(real(layout.sandboxRecords()), false));
        scopes.add(new Scope(real(layout.bundlesDir()), true));
        scopes.add(new Scope(real(layout.containerRecords()), true));
        for (Path point : points) {
            for (Scope scope : scopes) {
                if (point.startsWith(scope.dir()) && point.getNameCount() > scope.dir().getNameCount()) {
                    String id = point.getName(scope.dir().getNameCount()).toString();
                    if (SandboxId.isValid(id)) {
                        seen.mounts.add(new Seen.Entry("mount", id, point, scope.ofContainer(), null));
                    }
                }
            }
        }
    }

    /** {@code <hierarchy>/<cgroup_parent>} in every hierarchy the host mounts (v1 controllers, the v2 tree). */
    private List<Path> cgroupParents() {
        if (CgroupParent.isSlice(layout.cgroupParent())) {
            // systemd's slice: what jcri has there are units, swept by name.
            return List.of();
        }
        String parent = layout.cgroupParent().replaceAll("^/+", "");
        if (parent.isEmpty() || parent.contains("..")) {
            // jcri's parent at the root would make every cgroup of the host look like a candidate.
            return List.of();
        }
        Set<Path> hierarchies = new LinkedHashSet<>();
        try {
            CgroupLayout cgroups = CgroupLayout.ofHost();
            hierarchies.addAll(cgroups.v1Hierarchies().values());
            cgroups.v2Mount().ifPresent(hierarchies::add);
        } catch (IOException e) {
            log.warn("orphan sweep cannot read the cgroup layout error=\"{}\"", e.getMessage());
        }
        return hierarchies.stream().map(h -> h.resolve(parent)).toList();
    }

    private void removeRuntimeState(Seen.Entry state, Map<String, Integer> removed) throws InterruptedException {
        try {
            try {
                // Kills what still runs there and removes the container's cgroup with its state.
                state.runtime().delete(state.id());
            } catch (IOException refused) {
                // State the runtime cannot read (a crash mid-create): only files are left, which go directly.
                if (Files.exists(state.path(), LinkOption.NOFOLLOW_LINKS)) {
                    if (MountTable.anyAtOrBelow(MountTable.mountPoints(), real(state.path()))) {
                        throw refused;
                    }
                    FileTree.delete(state.path());
                }
            }
            log.info("orphan removed kind=runtime_state id={} handler={} path={}", state.id(),
                    state.runtime().handler(), state.path());
            removed.merge("runtime_state", 1, Integer::sum);
        } catch (IOException e) {
            log.warn("orphan not removed kind=runtime_state id={} path={} error=\"{}\"", state.id(), state.path(),
                    e.getMessage());
        }
    }

    /** conmon ends by itself once its container is gone; one that does not is killed. */
    private static void endConmon(ConmonProcesses.Found conmon, Map<String, Integer> removed)
            throws InterruptedException {
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
    private void releaseCni(String sandboxId, Map<String, Integer> removed) {
        Path netns = layout.nsRoot().resolve("net").resolve(sandboxId);
        try {
            network.tearDown(CniRuntimeConf.forPod(sandboxId, netns, "", "", ""));
            log.info("orphan removed kind=cni_attachment id={}", sandboxId);
            removed.merge("cni_attachment", 1, Integer::sum);
        } catch (CniException | RuntimeException e) {
            log.warn("orphan not removed kind=cni_attachment id={} error=\"{}\"", sandboxId, e.getMessage());
        }
    }

    private static void unmount(Seen.Entry mount, Map<String, Integer> removed) {
        try {
            if (Mount.detach(mount.path().toString())) {
                log.info("orphan removed kind=mount id={} path={}", mount.id(), mount.path());
                removed.merge("mount", 1, Integer::sum);
            }
        } catch (IOException e) {
            log.warn("orphan not removed kind=mount id={} path={} error=\"{}\"", mount.id(), mount.path(),
                    e.getMessage());
        }
    }

    /** Never deletes through a mount: a tree that still has one below it stays (and is logged). */
    private static void delete(Seen.Entry file, List<Path> mountPoints, Map<String, Integer> removed) {
        try {
            if (!Files.exists(file.path(), LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (MountTable.anyAtOrBelow(mountPoints, real(file.path()))) {
                log.warn("orphan not removed kind={} id={} path={} error=\"a mount remains below it\"", file.kind(),
                        file.id(), file.path());
                return;
            }
            FileTree.delete(file.path());
            log.info("orphan removed kind={} id={} path={}", file.kind(), file.id(), file.path());
            removed.merge(file.kind(), 1, Integer::sum);
        } catch (IOException e) {
            log.warn("orphan not removed kind={} id={} path={} error=\"{}\"", file.kind(), file.id(), file.path(),
                    e.getMessage());
        }
    }

    /** A scope without a record: stopped (its processes killed) and its failure forgotten. */
    private void stopUnit(SystemdDriver.HeldUnit unit, Map<String, Integer> removed) {
        try {
            systemd.stopUnit(unit.unit());
            log.info("orphan removed kind=systemd_unit id={} unit={}", unit.containerId(), unit.unit());
            removed.merge("systemd_unit", 1, Integer::sum);
        } catch (IOException e) {
            log.warn("orphan not removed kind=systemd_unit id={} unit={} error=\"{}\"", unit.containerId(),
                    unit.unit(), e.getMessage());
        }
    }

    /** rmdir, children first; a cgroup that still has processes is busy and stays (and is logged). */
    private static void removeCgroup(Seen.Entry cgroup, Map<String, Integer> removed) {
        try {
            List<Path> dirs;
            try (var walk = Files.walk(cgroup.path())) {
                dirs = walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                        .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
            }
            for (Path dir : dirs) {
                Files.deleteIfExists(dir);
            }
            log.info("orphan removed kind={} id={} path={}", cgroup.kind(), cgroup.id(), cgroup.path());
            removed.merge(cgroup.kind(), 1, Integer::sum);
        } catch (NoSuchFileException e) {
            // Removed meanwhile (the runtime's delete takes its cgroups along).
        } catch (IOException | java.io.UncheckedIOException e) {
            log.warn("orphan not removed kind=cgroup id={} path={} error=\"{}\"", cgroup.id(), cgroup.path(),
                    e.getMessage());
        }
    }

    /** Entries of {@code dir} named by an ID; a missing dir has none. */
    private static List<Path> idEntries(Path dir) {
        return idEntries(dir, "");
    }

    /** Entries of {@code dir} named {@code <prefix><ID>}. */
    private static List<Path> idEntries(Path dir, String prefix) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path entry : stream) {
                String name = entry.getFileName().toString();
                if (name.startsWith(prefix) && SandboxId.isValid(name.substring(prefix.length()))) {
                    entries.add(entry);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            log.warn("orphan sweep cannot list dir={} error=\"{}\"", dir, e.getMessage());
        }
        return entries;
    }

    private static String name(Path path) {
        return path.getFileName().toString();
    }

    /** The real path where it exists (mountinfo shows real paths); the path itself otherwise. */
    private static Path real(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        try {
            return absolute.toRealPath();
        } catch (IOException e) {
            Path parent = absolute.getParent();
            return parent == null ? absolute : real(parent).resolve(absolute.getFileName());
        }
    }
}
