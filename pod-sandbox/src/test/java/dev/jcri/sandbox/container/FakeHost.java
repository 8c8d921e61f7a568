package dev.jcri.sandbox.container;

import dev.jcri.image.store.ImageConfigSummary;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.ns.UserMappings;
import dev.jcri.sandbox.pod.PodSandboxSpec;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.sandbox.pod.SandboxState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node without a kernel for the container operations: every host-facing interface is a fake that writes what it
 * was asked into one journal, so a test reads the order of the steps (and of their undos) from it.
 */
final class FakeHost {
    static final String POD = "a".repeat(64);
    static final String IMAGE = "busybox:latest";

    final List<String> journal = Collections.synchronizedList(new ArrayList<>());
    final StateLayout layout;
    final Runtime runtime = new Runtime();
    final Monitor monitor = new Monitor();
    final Rootfs rootfs = new Rootfs();
    final Images images = new Images();
    final Exits exitFiles = new Exits();
    final Map<String, SandboxRecord> sandboxes = new ConcurrentHashMap<>();
    final ContainerTable table;
    final ContainerExits exits;
    /** A stand-in for the cgroup v2 tree: empty unless a test writes {@code memory.events} files into it. */
    final Path cgroupRoot;

    FakeHost(Path dir) throws IOException {
        layout = new StateLayout(
                dir.resolve("root"), dir.resolve("run"), dir.resolve("resolv.conf"), dir.resolve("hosts"));
        table = new ContainerTable(layout, Map.of("runc", runtime));
        cgroupRoot = dir.resolve("cgroup");
        exits = new ContainerExits(
                table,
                monitor,
                listener -> {
                    exitFiles.listener = listener;
                    return exitFiles;
                },
                new MissedOomKills(
                        cgroupRoot, id -> Optional.ofNullable(sandboxes.get(id)).map(SandboxRecord::cgroupParent)));
        sandboxes.put(POD, sandbox(SandboxState.READY));
    }

    ContainerCreate create() {
        return new ContainerCreate(table, id -> Optional.ofNullable(sandboxes.get(id)), images, rootfs, 0);
    }

    ContainerCheckpoint checkpoint() {
        return new ContainerCheckpoint(table, id -> Optional.ofNullable(sandboxes.get(id)));
    }

    ContainerStop stop() {
        return new ContainerStop(table, exits);
    }

    ContainerStart start() {
        return new ContainerStart(table, exits, monitor, remove(), id -> Optional.ofNullable(sandboxes.get(id)));
    }

    ContainerRemove remove() {
        return new ContainerRemove(
                table, exits, stop(), monitor, rootfs, images, id -> Optional.ofNullable(sandboxes.get(id)));
    }

    /** A record in {@code state} as a create and start would have left it. */
    ContainerRecord saved(String id, ContainerState state) throws IOException {
        ContainerRecord record = ContainerRecord.creating(
                id,
                "app-" + id.substring(0, 4),
                POD,
                spec(),
                new ContainerRecord.ImageReference(IMAGE, "sha256:" + "c".repeat(64), List.of("layer")),
                1,
                "/dev/null",
                "runc",
                "SIGTERM",
                false,
                List.of());
        if (state != ContainerState.CREATING) {
            record = record.created(new ContainerRecord.ContainerProcess(4242, 0, 0, List.of()));
        }
        if (state == ContainerState.RUNNING) {
            record = record.started(2);
        }
        table.store().reserve(record);
        table.store().save(record);
        Files.createDirectories(layout.container(id).bundle());
        return record;
    }

    static ContainerSpec spec() {
        return ContainerSpec.builder("app").command(List.of("/bin/true")).build();
    }

    static SandboxRecord sandbox(SandboxState state) {
        PodSandboxSpec spec = new PodSandboxSpec(
                "web-0",
                "default",
                "uid-1",
                0,
                "",
                "",
                new PodSandboxSpec.Dns(List.of(), List.of(), List.of()),
                List.of(),
                Map.of(),
                Map.of(),
                "",
                Map.of(),
                new PodSandboxSpec.Namespaces(
                        PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.CONTAINER, PodSandboxSpec.Mode.POD, null),
                "runc");
        SandboxRecord.PodNamespaces namespaces = new SandboxRecord.PodNamespaces(
                List.of(),
                Optional.of("/run/jcri/ns/net/" + POD),
                Optional.of("/run/jcri/ns/ipc/" + POD),
                Optional.of("/run/jcri/ns/uts/" + POD),
                Optional.empty(),
                Optional.empty());
        return new SandboxRecord(
                POD,
                "web-0_default_uid-1_0",
                spec,
                state,
                1,
                "runc",
                "/jcri",
                namespaces,
                Optional.empty(),
                List.of(),
                "web-0",
                false);
    }

    static ImageRecord image() {
        return new ImageRecord(
                "sha256:" + "c".repeat(64),
                List.of(IMAGE),
                List.of(),
                "",
                List.of("layer"),
                1,
                new ImageConfigSummary(
                        "",
                        List.of("PATH=/bin"),
                        List.of(),
                        List.of("/bin/sh"),
                        "",
                        "",
                        Map.of(),
                        List.of(),
                        List.of(),
                        "",
                        "linux",
                        "amd64"),
                0);
    }

    /** What a step throws when a test makes it fail. */
    static final class Refused extends IOException {
        Refused(String step) {
            super(step + " refused by the test");
        }
    }

    final class Runtime implements ContainerRuntime {
        final Set<String> known = new HashSet<>();
        /** What {@code status} answers for a known container; "created" when not set. */
        final Map<String, String> statuses = new ConcurrentHashMap<>();
        /** Signal name to the exit code it ends the container with; other signals are ignored. */
        final Map<String, Integer> deadlyWith = new ConcurrentHashMap<>();

        boolean killFails;

        @Override
        public String handler() {
            return "runc";
        }

        @Override
        public Path binary() {
            return Path.of("/fake/runc");
        }

        @Override
        public List<String> globalFlags() {
            return List.of();
        }

        @Override
        public Path root() {
            return layout.protectedDirs().getLast().resolve("runc");
        }

        @Override
        public void start(String containerId) {
            journal.add("runtime.start");
        }

        @Override
        public void kill(String containerId, String signal) throws IOException {
            journal.add("runtime.kill " + signal);
            if (killFails) {
                throw new Refused("kill");
            }
            Integer code = deadlyWith.get(signal);
            if (code != null) {
                exitFiles.exit(containerId, code);
            }
        }

        @Override
        public void update(String containerId, Path resources) {
            journal.add("runtime.update");
        }

        @Override
        public void delete(String containerId) {
            boolean removing = table.store()
                    .get(containerId)
                    .map(ContainerRecord::removing)
                    .orElse(false);
            journal.add("runtime.delete" + (removing ? " (record removing)" : ""));
            known.remove(containerId);
        }

        @Override
        public Optional<String> status(String containerId) {
            return known.contains(containerId)
                    ? Optional.of(statuses.getOrDefault(containerId, "created"))
                    : Optional.empty();
        }

        @Override
        public boolean knows(String containerId) {
            return known.contains(containerId);
        }

        @Override
        public Process exec(String containerId, Path processFile, Path pidFile) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Process execWithTerminal(String containerId, Path processFile, Path pidFile, Path consoleSocket) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean supportsRecursiveReadOnly() {
            return true;
        }

        /** What checkpoint does: write these CRIU images, fail, or time out. */
        Optional<String> checkpointProblem = Optional.empty();

        boolean checkpointTimesOut;
        boolean checkpointFails;
        /** When set, a dump lasts until it is counted down: a dump slower than its caller's timeout. */
        java.util.concurrent.CountDownLatch checkpointLasts;

        @Override
        public void checkpoint(String containerId, Path imagePath, Path workPath, java.time.Duration limit)
                throws IOException, InterruptedException {
            journal.add("runtime.checkpoint " + limit.toSeconds());
            if (checkpointLasts != null) {
                checkpointLasts.await();
            }
            if (checkpointTimesOut) {
                throw new RuntimeTimeoutException("checkpoint did not finish within " + limit.toSeconds() + " s");
            }
            if (checkpointFails) {
                throw new Refused("checkpoint");
            }
            java.nio.file.Files.writeString(imagePath.resolve("pstree.img"), "pstree");
            java.nio.file.Files.writeString(imagePath.resolve("pages-1.img"), "pages");
            java.nio.file.Files.writeString(workPath.resolve("dump.log"), "Dumping finished successfully");
        }

        @Override
        public void resume(String containerId) {
            journal.add("runtime.resume");
        }

        @Override
        public Optional<String> checkpointProblem() {
            return checkpointProblem;
        }
    }

    final class Monitor implements ContainerMonitor {
        boolean createFails;
        /** Whether every container's conmon is alive, as recovery asks. */
        boolean conmonsAlive;

        @Override
        public int create(Conmon.Launch launch) throws IOException {
            journal.add("monitor.create"
                    + launch.restoreFrom()
                            .filter(images -> Files.isRegularFile(images.resolve("pstree.img")))
                            .map(images -> " --restore")
                            .orElse(""));
            // The runtime's create ran before conmon reported, whether it then failed or not.
            runtime.known.add(launch.containerId());
            if (createFails) {
                throw new Refused("conmon");
            }
            return 4242;
        }

        @Override
        public boolean alive(StateLayout.ContainerPaths container) {
            return conmonsAlive;
        }

        @Override
        public void awaitExit(StateLayout.ContainerPaths container) {
            journal.add("monitor.awaitExit");
        }

        @Override
        public void release(String cgroupParent, String containerId) {
            journal.add("monitor.release");
        }

        @Override
        public boolean oomKilled(StateLayout.ContainerPaths container) {
            return false;
        }

        @Override
        public void resizeTerminal(StateLayout.ContainerPaths container, int rows, int columns) {
            journal.add("monitor.resize " + rows + "x" + columns);
        }

        @Override
        public void reopenLog(StateLayout.ContainerPaths container) {
            journal.add("monitor.reopenLog");
        }
    }

    final class Rootfs implements ContainerRootfs {
        boolean mountFails;

        @Override
        public void mount(Path target, List<Path> layersBottomFirst, Path upper, Path work) throws IOException {
            journal.add("rootfs.mount");
            if (mountFails) {
                throw new Refused("mount");
            }
            Files.createDirectories(target);
        }

        @Override
        public void mountIdmapped(
                Path target,
                List<Path> layersBottomFirst,
                Path upper,
                Path work,
                Path usernsPin,
                UserMappings users,
                Path scratch)
                throws IOException {
            mount(target, layersBottomFirst, upper, work);
        }

        @Override
        public void mountImageVolume(
                Path target,
                List<Path> layersBottomFirst,
                Path emptyLower,
                Path usernsPin,
                UserMappings users,
                Path scratch)
                throws IOException {
            journal.add("rootfs.mountImageVolume");
            Files.createDirectories(target);
        }

        @Override
        public void unmount(Path target) {
            journal.add("rootfs.unmount");
        }
    }

    final class Images implements ContainerImages {
        @Override
        public Optional<ImageRecord> find(String reference) {
            return reference.equals(IMAGE) ? Optional.of(image()) : Optional.empty();
        }

        @Override
        public void pin(String owner, List<String> layers) {
            journal.add("images.pin");
        }

        @Override
        public void hold(String owner, List<String> imageIds) {
            journal.add("images.hold");
        }

        @Override
        public void unpin(String owner) {
            journal.add("images.unpin");
        }

        @Override
        public Path layerDiff(String layer) {
            return layout.protectedDirs().getFirst().resolve("layers").resolve(layer);
        }
    }

    static final class Exits implements ExitFiles {
        final Map<String, ExitWatcher.Exit> written = new ConcurrentHashMap<>();
        ExitWatcher.Listener listener;

        /** conmon wrote the container's exit file, and the watcher saw it. */
        void exit(String id, int code) {
            ExitWatcher.Exit exit = new ExitWatcher.Exit(id, code, Instant.now());
            written.put(id, exit);
            listener.exited(exit);
        }

        @Override
        public Optional<ExitWatcher.Exit> exitOf(String containerId) {
            return Optional.ofNullable(written.get(containerId));
        }

        @Override
        public void forget(String containerId) {
            written.remove(containerId);
        }

        @Override
        public void close() {}
    }
}
