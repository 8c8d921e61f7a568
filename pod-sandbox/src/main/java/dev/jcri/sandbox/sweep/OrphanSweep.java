package dev.jcri.sandbox.sweep;

import dev.jcri.cni.PodNetworking;
import dev.jcri.image.store.ImageStore;
import dev.jcri.linux.MountTable;
import dev.jcri.sandbox.ObjectId;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.cgroup.CgroupLayout;
import dev.jcri.sandbox.cgroup.CgroupParent;
import dev.jcri.sandbox.cgroup.SystemdDriver;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.container.OciRuntime;
import dev.jcri.sandbox.pod.PodSandboxes;
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
 * already deleted, which means its removal had run; removing it again is harmless, and finds nothing to log or
 * count ({@link OrphanRemovals} says "removed" only for what it removed). IDs are random and never reused.
 */
public final class OrphanSweep {
    private static final Logger log = LoggerFactory.getLogger(OrphanSweep.class);
    private static final String CONMON_CGROUP_PREFIX = "conmon-";

    /** What one sweep removed, counted by kind (cgroup, mount, conmon, ...). */
    public record Result(Map<String, Integer> byKind) {
        public int total() {
            return byKind.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final StateLayout layout;
    private final String cgroupParent;
    private final PodSandboxes sandboxes;
    private final Containers containers;
    private final Collection<OciRuntime> runtimes;
    private final PodNetworking network;
    private final ImageStore images;
    private volatile SystemdDriver systemd;

    /**
     * @param layout jcri's own places: only runtime handlers whose state dir lies inside its root or runroot are
     *     swept
     * @param cgroupParent jcri's own cgroup parent ({@code cgroup_parent}), as a cgroup path
     */
    public OrphanSweep(
            StateLayout layout,
            String cgroupParent,
            PodSandboxes sandboxes,
            Containers containers,
            Collection<OciRuntime> runtimes,
            PodNetworking network,
            ImageStore images) {
        this.layout = layout;
        this.cgroupParent = cgroupParent;
        this.sandboxes = sandboxes;
        this.containers = containers;
        List<OciRuntime> own = new ArrayList<>();
        for (OciRuntime runtime : runtimes) {
            Path root = runtime.root().toAbsolutePath().normalize();
            if (layout.protectedDirs().stream()
                    .anyMatch(d -> root.startsWith(d.toAbsolutePath().normalize()))) {
                own.add(runtime);
            } else {
                // A root outside jcri's dirs (say /run/runc) may hold other tools' containers.
                log.info(
                        "orphan sweep leaves the runtime state of handler {} alone: its root {} is outside jcri's"
                                + " own dirs",
                        runtime.handler(),
                        runtime.root());
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
                OrphanRemovals.removeRuntimeState(state, removed);
            }
        }
        for (ConmonProcesses.Found conmon : seen.conmons) {
            if (!ctrs.contains(conmon.containerId())) {
                OrphanRemovals.endConmon(conmon, removed);
            }
        }
        for (String id : seen.cniAttachments) {
            if (!pods.contains(id)) {
                OrphanRemovals.releaseCni(network, id, layout.sandbox(id).pin("net"), removed);
            }
        }
        for (SystemdDriver.HeldUnit unit : seen.units) {
            if (!ctrs.contains(unit.containerId())) {
                OrphanRemovals.stopUnit(systemd, unit, removed);
            }
        }
        seen = observeFiles();
        pods = sandboxOwners();
        ctrs = containerOwners();
        List<Seen.Entry> mounts = new ArrayList<>(seen.mounts);
        // Deepest first, so no mount is detached from under another one of the same object.
        mounts.sort(Comparator.comparingInt((Seen.Entry e) -> e.path().getNameCount())
                .reversed());
        for (Seen.Entry mount : mounts) {
            if (!(mount.ofContainer() ? ctrs : pods).contains(mount.id())) {
                OrphanRemovals.unmount(mount, removed);
            }
        }
        try {
            List<Path> mountPoints = MountTable.mountPoints();
            for (Seen.Entry file : seen.files) {
                if (!(file.ofContainer() ? ctrs : pods).contains(file.id())) {
                    OrphanRemovals.delete(file, mountPoints, removed);
                }
            }
        } catch (IOException e) {
            // Without the mount table no tree can be shown to be mount-free, so none is deleted.
            log.warn("orphan sweep cannot read mountinfo; no files removed error=\"{}\"", e.getMessage());
        }
        for (Seen.Entry cgroup : seen.cgroups) {
            if (!ctrs.contains(cgroup.id())) {
                OrphanRemovals.removeCgroup(cgroup, removed);
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
        for (Path dir : idEntries(layout.sandboxRecords())) {
            if (holdsRecord(layout.sandbox(name(dir)).record())) {
                owners.add(name(dir));
            }
        }
        return owners;
    }

    /**
     * Whether a record file is there. An empty one is none: every save writes a whole record before its rename, so
     * an empty file is a write-ahead record ({@code RecordStore.saveAhead}, never fsynced) that a crash of the node
     * cut short, whose object was never answered.
     */
    private static boolean holdsRecord(Path record) {
        try {
            return Files.size(record) > 0;
        } catch (IOException e) {
            return Files.exists(record, LinkOption.NOFOLLOW_LINKS);
        }
    }

    private Set<String> containerOwners() {
        Set<String> owners = new java.util.HashSet<>(containers.recordIds());
        for (Path dir : idEntries(layout.containerRecords())) {
            if (holdsRecord(layout.container(name(dir)).record())) {
                owners.add(name(dir));
            }
        }
        return owners;
    }

    /** Everything the sweep looks at, each with the ID that would own it. */
    static final class Seen {
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
            seen.conmons.addAll(ConmonProcesses.of(layout.bundles(), layout.exits()));
        } catch (IOException e) {
            log.warn("orphan sweep cannot list processes error=\"{}\"", e.getMessage());
        }
        network.attachedIds().stream().filter(ObjectId::isValid).forEach(seen.cniAttachments::add);
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
        for (String kind : StateLayout.NAMESPACE_KINDS) {
            for (Path pin : idEntries(layout.pinsOf(kind))) {
                seen.files.add(new Seen.Entry("pin", name(pin), pin, false, null));
            }
        }
        for (Path dir : idEntries(layout.shmDirs())) {
            seen.files.add(new Seen.Entry("shm_dir", name(dir), dir, false, null));
        }
        for (Path dir : idEntries(layout.bundles())) {
            seen.files.add(new Seen.Entry("bundle", name(dir), dir, true, null));
        }
        for (Path file : idEntries(layout.exits())) {
            seen.files.add(new Seen.Entry("exit_file", name(file), file, true, null));
        }
        for (Path link : idEntries(layout.attachLinks())) {
            seen.files.add(new Seen.Entry("attach_link", name(link), link, true, null));
        }
        // A dir that still holds a record file is not an orphan even when the record did not load: an unreadable
        // record is left for the operator. An empty file is no record (holdsRecord).
        for (Path dir : idEntries(layout.sandboxRecords())) {
            if (!holdsRecord(layout.sandbox(name(dir)).record())) {
                seen.files.add(new Seen.Entry("record_dir", name(dir), dir, false, null));
            }
        }
        for (Path dir : idEntries(layout.containerRecords())) {
            if (!holdsRecord(layout.container(name(dir)).record())) {
                seen.files.add(new Seen.Entry("record_dir", name(dir), dir, true, null));
            }
        }
        for (Path parent : cgroupParents()) {
            for (Path cgroup : idEntries(parent)) {
                seen.cgroups.add(new Seen.Entry("cgroup", name(cgroup), cgroup, true, null));
            }
            // conmon's own cgroups (cgroupfs driver): conmon-<container id>.
            for (Path cgroup : idEntries(parent, CONMON_CGROUP_PREFIX)) {
                seen.cgroups.add(new Seen.Entry(
                        "conmon_cgroup", name(cgroup).substring(CONMON_CGROUP_PREFIX.length()), cgroup, true, null));
            }
        }
        return seen;
    }

    /**
     * Mounts under the places jcri mounts things: pins ({@code ns/<kind>/<id>}), the pod's shm
     * ({@code sandboxes/<id>/shm}), rootfs overlays ({@code containers/<id>/rootfs}) and image volumes
     * ({@code containers/<id>/image-volumes/<n>}), compared as real paths, as
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
        for (String kind : StateLayout.NAMESPACE_KINDS) {
            scopes.add(new Scope(OrphanRemovals.real(layout.pinsOf(kind)), false));
        }
        scopes.add(new Scope(OrphanRemovals.real(layout.shmDirs()), false));
        scopes.add(new Scope(OrphanRemovals.real(layout.sandboxRecords()), false));
        scopes.add(new Scope(OrphanRemovals.real(layout.bundles()), true));
        scopes.add(new Scope(OrphanRemovals.real(layout.containerRecords()), true));
        for (Path point : points) {
            for (Scope scope : scopes) {
                if (point.startsWith(scope.dir())
                        && point.getNameCount() > scope.dir().getNameCount()) {
                    String id = point.getName(scope.dir().getNameCount()).toString();
                    if (ObjectId.isValid(id)) {
                        seen.mounts.add(new Seen.Entry("mount", id, point, scope.ofContainer(), null));
                    }
                }
            }
        }
    }

    /** {@code <hierarchy>/<cgroup_parent>} in every hierarchy the host mounts (v1 controllers, the v2 tree). */
    private List<Path> cgroupParents() {
        if (CgroupParent.isSlice(cgroupParent)) {
            // systemd's slice: what jcri has there are units, swept by name.
            return List.of();
        }
        String parent = cgroupParent.replaceAll("^/+", "");
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
                if (name.startsWith(prefix) && ObjectId.isValid(name.substring(prefix.length()))) {
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
}
