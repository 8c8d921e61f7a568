package dev.jcri.sandbox.container;

import dev.jcri.linux.FileTree;
import dev.jcri.sandbox.VirtualTask;
import dev.jcri.sandbox.checkpoint.CheckpointArchive;
import dev.jcri.sandbox.checkpoint.CriuCheck;
import dev.jcri.sandbox.checkpoint.RootfsDiff;
import dev.jcri.sandbox.pod.SandboxRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * CheckpointContainer: the running container's processes dumped by CRIU through its runtime (which leaves it
 * running), its rootfs changes and metadata, packed into one archive at the caller's location (see
 * {@link CheckpointArchive} for the layout). The checks come first, in the order a caller can fix them: the
 * location, the container, its state, then whether CRIU works here at all.
 */
final class ContainerCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(ContainerCheckpoint.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ContainerTable table;
    private final Function<String, Optional<SandboxRecord>> sandboxes;

    ContainerCheckpoint(ContainerTable table, Function<String, Optional<SandboxRecord>> sandboxes) {
        this.table = table;
        this.sandboxes = sandboxes;
    }

    /**
     * @param timeoutSeconds the caller's timeout (zero: none of its own). Past it the call answers
     *     {@link CheckpointTimeoutException} and the dump is abandoned, not killed: CRIU killed while it works inside
     *     the container's processes (its parasite code, a syscall it injected) can kill them, so the runtime goes on
     *     to its end (bounded by its handler's own timeout), then the dump's files are removed and no archive is
     *     written.
     */
    void checkpoint(String idOrPrefix, String location, long timeoutSeconds) throws IOException, InterruptedException {
        Path archive = archivePath(location);
        if (timeoutSeconds < 0) {
            throw new IllegalArgumentException("timeout: must not be negative, got " + timeoutSeconds);
        }
        ContainerRecord found = table.require(idOrPrefix);
        if (timeoutSeconds == 0) {
            checkpointLocked(found.id(), archive, Duration.ZERO, new Attempt());
            return;
        }
        Attempt attempt = new Attempt();
        VirtualTask<Void> task = VirtualTask.start("checkpoint-" + found.id(), () -> {
            try {
                checkpointLocked(found.id(), archive, Duration.ofSeconds(timeoutSeconds), attempt);
            } catch (IOException | RuntimeException e) {
                if (attempt.abandoned()) {
                    log.warn("abandoned checkpoint failed id={} error=\"{}\"", found.id(), e.getMessage());
                }
                throw e;
            }
            return null;
        });
        try {
            task.await(Duration.ofSeconds(timeoutSeconds));
        } catch (TimeoutException | InterruptedException e) {
            if (attempt.abandon()) {
                if (e instanceof InterruptedException interrupted) {
                    throw interrupted;
                }
                throw new CheckpointTimeoutException(
                        "container " + found.id() + ": checkpoint did not finish within " + timeoutSeconds
                                + " s and is abandoned: no archive is written; the runtime's dump goes on to its"
                                + " end (the container stays frozen until then) and keeps running after it",
                        e);
            }
            // The dump was done: what is left is writing the archive, whose result the caller gets.
            task.await();
        }
    }

    private void checkpointLocked(String id, Path archive, Duration timeout, Attempt attempt)
            throws IOException, InterruptedException {
        ReentrantLock lock = table.lockOf(id);
        lock.lock();
        try {
            if (attempt.abandoned()) {
                log.info("abandoned checkpoint ended id={}: it never began, no archive is written", id);
                return;
            }
            ContainerRecord record = table.current(id);
            if (record.state() != ContainerState.RUNNING) {
                throw new IllegalStateException("container " + record.id() + " is " + record.state()
                        + "; only a running container can be checkpointed");
            }
            ContainerRuntime runtime = table.runtime(record.runtimeHandler());
            Optional<String> problem = runtime.checkpointProblem();
            if (problem.isPresent()) {
                throw new IllegalStateException("container " + record.id() + " cannot be checkpointed: runtime handler "
                        + record.runtimeHandler() + ": " + problem.get());
            }
            if (!Files.isDirectory(archive.getParent())) {
                throw new IllegalArgumentException(
                        "location: the directory " + archive.getParent() + " does not exist");
            }
            var paths = table.paths(record.id());
            Path staging = paths.checkpointStaging();
            Path work = paths.checkpointWork();
            FileTree.delete(staging);
            FileTree.delete(work);
            try {
                Files.createDirectories(staging.resolve(CheckpointArchive.CHECKPOINT_DIRECTORY));
                Files.createDirectories(work);
                Instant checkpointedAt = Instant.now();
                dump(runtime, record, staging, work, timeout);
                if (!attempt.commit()) {
                    log.info("abandoned checkpoint ended id={}: its dump finished, no archive is written", record.id());
                    return;
                }
                copyIfPresent(work.resolve("dump.log"), staging.resolve(CheckpointArchive.DUMP_LOG));
                copyIfPresent(work.resolve("stats-dump"), staging.resolve("stats-dump"));
                JsonNode spec = JSON.readTree(paths.ociConfig().toFile());
                Files.write(
                        staging.resolve(CheckpointArchive.SPEC_DUMP), JSON.writeValueAsBytes(specDump(spec, record)));
                Files.write(
                        staging.resolve(CheckpointArchive.CONFIG_DUMP),
                        JSON.writeValueAsBytes(configDump(record, runtime, checkpointedAt)));
                List<String> deleted = RootfsDiff.capture(
                        paths.upper(), mountPoints(spec), staging.resolve(CheckpointArchive.ROOTFS_DIFF));
                Files.write(staging.resolve(CheckpointArchive.DELETED_FILES), JSON.writeValueAsBytes(deleted));
                copyIfPresent(Path.of(record.logPath()), staging.resolve(CheckpointArchive.CONTAINER_LOG));
                CheckpointArchive.write(staging, archive);
            } finally {
                FileTree.delete(staging);
                FileTree.delete(work);
            }
            log.info("container checkpointed id={} archive={}", record.id(), archive);
        } finally {
            lock.unlock();
        }
    }

    private static void dump(ContainerRuntime runtime, ContainerRecord record, Path staging, Path work, Duration limit)
            throws IOException, InterruptedException {
        try {
            runtime.checkpoint(record.id(), staging.resolve(CheckpointArchive.CHECKPOINT_DIRECTORY), work, limit);
        } catch (RuntimeTimeoutException e) {
            // CRIU froze the container's cgroup for the dump; killed, it leaves it frozen.
            try {
                runtime.resume(record.id());
            } catch (IOException resume) {
                e.addSuppressed(resume);
            }
            throw new CheckpointTimeoutException(
                    "container " + record.id() + ": the runtime's checkpoint did not finish within its timeout and"
                            + " was killed; no archive was written; " + e.getMessage(),
                    e);
        }
    }

    /** Who decides first: the caller, by abandoning the checkpoint, or the dump, by finishing. */
    private static final class Attempt {
        private static final int RUNNING = 0;
        private static final int ABANDONED = 1;
        private static final int COMMITTED = 2;
        private final AtomicInteger state = new AtomicInteger(RUNNING);

        boolean abandon() {
            return state.compareAndSet(RUNNING, ABANDONED);
        }

        boolean commit() {
            return state.compareAndSet(RUNNING, COMMITTED);
        }

        boolean abandoned() {
            return state.get() == ABANDONED;
        }
    }

    /** An absolute path outside jcri's own state, naming a file (its directory is checked later). */
    private Path archivePath(String location) {
        if (location.isEmpty() || !location.startsWith("/") || location.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "location: an absolute path is required, got \"" + location.replace("\0", "\\0") + "\"");
        }
        Path path = Path.of(location).normalize();
        if (path.getParent() == null || location.endsWith("/")) {
            throw new IllegalArgumentException("location: \"" + location + "\" names no file");
        }
        for (Path guarded : table.layout().protectedDirs()) {
            if (path.startsWith(guarded.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException(
                        "location: " + path + " is inside jcri's own state directory " + guarded);
            }
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("location: " + path + " is a directory");
        }
        return path;
    }

    /**
     * The runtime's config.json with the CRI annotations checkpointctl shows for a CRI runtime (container name,
     * pod name and namespace), which jcri's config.json itself does not carry.
     */
    private JsonNode specDump(JsonNode spec, ContainerRecord record) {
        ObjectNode dump = ((ObjectNode) spec).deepCopy();
        ObjectNode annotations =
                dump.has("annotations") ? (ObjectNode) dump.get("annotations") : dump.putObject("annotations");
        annotations.put("io.kubernetes.cri.container-type", "container");
        annotations.put("io.kubernetes.cri.container-name", record.name());
        annotations.put("io.kubernetes.cri.sandbox-id", record.sandboxId());
        annotations.put("io.kubernetes.cri.image-name", record.image().requested());
        sandboxes.apply(record.sandboxId()).ifPresent(pod -> {
            annotations.put("io.kubernetes.cri.sandbox-name", pod.spec().name());
            annotations.put("io.kubernetes.cri.sandbox-namespace", pod.spec().namespace());
            annotations.put("io.kubernetes.cri.sandbox-uid", pod.spec().uid());
        });
        return dump;
    }

    /** checkpointctl's ContainerConfig (a subset of Podman's): what restore and the tools read. */
    private static Map<String, Object> configDump(ContainerRecord record, ContainerRuntime runtime, Instant at) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("id", record.id());
        config.put("name", record.name());
        config.put("rootfsImage", record.image().requested());
        config.put("rootfsImageRef", record.image().id());
        config.put("rootfsImageName", record.image().requested());
        config.put("runtime", runtime.binary().getFileName().toString());
        config.put("runtimeHandler", record.runtimeHandler());
        config.put("createdTime", Instant.ofEpochSecond(0, record.createdAt()).toString());
        config.put("checkpointedTime", at.toString());
        config.put("restoredTime", "0001-01-01T00:00:00Z");
        config.put("restored", false);
        CriuCheck.ofNode().version().ifPresent(v -> config.put("criuVersion", v));
        return config;
    }

    /** The spec's mount destinations, relative to the rootfs: the runtime made them, a restore makes its own. */
    private static Set<String> mountPoints(JsonNode spec) {
        Set<String> points = new HashSet<>();
        for (JsonNode mount : spec.path("mounts")) {
            String destination = mount.path("destination").asString("");
            Path relative = Path.of("/").relativize(Path.of("/" + destination).normalize());
            if (!relative.toString().isEmpty()) {
                points.add(relative.toString());
            }
        }
        return points;
    }

    private static void copyIfPresent(Path source, Path target) throws IOException {
        if (Files.isRegularFile(source)) {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
