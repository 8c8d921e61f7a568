package dev.jcri.sandbox.container;

import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import dev.jcri.linux.FileTree;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.CreateRetries;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.RecordStore;
import dev.jcri.sandbox.Recovery;
import dev.jcri.sandbox.Rollback;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.container.spec.MountSpec;
import dev.jcri.sandbox.container.spec.OciSpec;
import dev.jcri.sandbox.container.spec.OciSpecBuilder;
import dev.jcri.sandbox.container.spec.SeccompFilters;
import dev.jcri.sandbox.container.spec.SandboxContext;
import dev.jcri.sandbox.pod.PodSandboxSpec;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxId;
import dev.jcri.sandbox.pod.SandboxMembers;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.sandbox.pod.SandboxState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containers: create (bundle, conmon, runtime create), start, stop, remove, exits, and recovery after a restart
 * of jcri.
 *
 * <p>The bundle (config.json, the rootfs mount point, conmon's pid files and FIFOs) lives in
 * {@code <runroot>/containers/<id>}; the writable layer and the record in {@code <root>/containers/<id>}; exit
 * files in {@code <runroot>/exits}. Every step of {@link #create} has its undo, run in reverse on failure.
 */
public final class Containers implements SandboxMembers, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Containers.class);
    private static final String RECORD = "container.json";

    /**
     * Where containers keep their state.
     *
     * @param protectedDirs host paths no container may bind: jcri's own state (the socket, other containers'
     *     layers and records)
     */
    public record Layout(Path recordsDir, Path bundlesDir, Path exitDir, Path socketDir, List<Path> protectedDirs) {}

    private final RecordStore<ContainerRecord> store;
    private final Layout layout;
    private final PodSandboxes sandboxes;
    private final ImageStore images;
    private final Map<String, OciRuntime> runtimes;
    private final Conmon conmon;
    private final int daemonOomScoreAdj;
    private final ExitWatcher exits;
    private final Map<String, CompletableFuture<Void>> exitSignals = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final CreateRetries retries = new CreateRetries();
    private final ContainerEvents events = new ContainerEvents();
    private final java.util.concurrent.atomic.AtomicLong oomKills = new java.util.concurrent.atomic.AtomicLong();
    private volatile SeccompFilters seccomp = SeccompFilters.builtIn();
    private final ImageSource infraImages;
    private final String infraImage;

    public Containers(Layout layout, PodSandboxes sandboxes, ImageStore images, Map<String, OciRuntime> runtimes,
            Conmon conmon, int daemonOomScoreAdj, ImageSource infraImages, String infraImage) throws IOException {
        this.infraImages = infraImages;
        this.infraImage = infraImage;
        this.store = new RecordStore<>(layout.recordsDir(), RECORD, ContainerRecord.class, ContainerRecord::id,
                ContainerRecord::name, "container");
        this.layout = layout;
        this.sandboxes = sandboxes;
        this.images = images;
        this.runtimes = Map.copyOf(runtimes);
        this.conmon = conmon;
        this.daemonOomScoreAdj = daemonOomScoreAdj;
        Files.createDirectories(layout.bundlesDir());
        Files.createDirectories(layout.socketDir());
        this.exits = new ExitWatcher(layout.exitDir(), this::onExit);
    }

    public ContainerRecord create(String sandboxId, ContainerSpec spec, String image)
            throws IOException, InterruptedException {
        SandboxRecord sandbox = sandboxes.find(sandboxId)
                .orElseThrow(() -> new NotFoundException("pod sandbox " + sandboxId + " not found"));
        if (sandbox.state() != SandboxState.READY) {
            throw new IllegalStateException("pod sandbox " + sandbox.id() + " is not ready");
        }
        ImageRecord imageRecord = images.find(image)
                .orElseThrow(() -> new NotFoundException("image " + image + " not found; pull it first"));
        return createIn(sandbox, spec, image, imageRecord, false);
    }

    /**
     * Runs the infra container of a pod that shares one PID namespace, from the configured pause image (pulled
     * when missing); returns the path of the namespace it holds.
     */
    @Override
    public String startInfra(SandboxRecord sandbox) throws IOException, InterruptedException {
        ImageRecord pause = infraImages.ensure(infraImage);
        ContainerSpec spec = new ContainerSpec("POD", sandbox.spec().attempt(), List.of(), List.of(), "", List.of(),
                List.of(), List.of(), Map.of(), Map.of(), "", false, false, false, ContainerSpec.Resources.NONE,
                ContainerSpec.Security.DEFAULT, "SIGKILL");
        ContainerRecord infra = createIn(sandbox, spec, infraImage, pause, true);
        ContainerRecord started = start(infra.id());
        if (started.state() != ContainerState.RUNNING) {
            throw new IOException("the infra container of pod sandbox " + sandbox.id() + " exited at once (exit code "
                    + started.exitCode() + "); check the pause image " + infraImage);
        }
        return "/proc/" + started.pid() + "/ns/pid";
    }

    private ContainerRecord createIn(SandboxRecord sandbox, ContainerSpec spec, String image,
            ImageRecord imageRecord, boolean infra) throws IOException, InterruptedException {
        OciRuntime runtime = runtimes.get(sandbox.runtimeHandler());
        if (runtime == null) {
            throw new IllegalStateException("pod sandbox " + sandbox.id() + " uses runtime handler "
                    + sandbox.runtimeHandler() + ", which this node no longer has");
        }
        String name = ContainerName.of(spec.name(), sandbox.spec().name(), sandbox.spec().namespace(),
                sandbox.spec().uid(), spec.attempt());
        spec = followSandboxPidMode(spec, sandbox);
        for (int i = 0; i < spec.mounts().size(); i++) {
            if (spec.mounts().get(i).recursiveReadOnly() && !RuntimeFeatureProbe.recursiveReadOnly(runtime.binary())) {
                throw new IllegalStateException("mounts[" + i + "].recursive_read_only: runtime handler "
                        + runtime.handler() + " cannot make submounts read-only on this node");
            }
        }
        requireUnprotected(spec, layout.protectedDirs());
        String id = SandboxId.generate();
        Path bundle = layout.bundlesDir().resolve(id);
        Path rootfs = bundle.resolve("rootfs");
        Path writable = store.dirOf(id);
        Path logPath = logPath(sandbox, spec);
        String stopSignal = !spec.stopSignal().isEmpty() ? spec.stopSignal()
                : !imageRecord.config().stopSignal().isEmpty() ? imageRecord.config().stopSignal() : "SIGTERM";
        ContainerRecord record = new ContainerRecord(id, name, sandbox.id(), spec, image, imageRecord.id(),
                imageRecord.layers(), ContainerState.CREATING, EpochNanos.now(), 0, 0, 0, "", "", 0, logPath.toString(),
                runtime.handler(), 0, 0, List.of(), stopSignal, infra, false);

        // Locked before the name is taken: a retry that finds the name waits for this create to end.
        ReentrantLock lock = lockOf(id);
        lock.lock();
        Optional<ContainerRecord> earlier = reserveName(record, lock);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        Rollback undo = new Rollback();
        undo.push(() -> store.delete(id));
        CrashPoint.reached(Step.CONTAINER_NAME_RESERVED);
        try {
            if (!infra) {
                requireSandboxStillReady(sandbox.id());
            }
            // Missing bind sources and log dirs are made inside the rollback: a failed create leaves none behind.
            List<Path> madeDirs = new ArrayList<>();
            undo.push(() -> removeMadeDirs(madeDirs));
            spec = withPreparedHostPaths(spec, madeDirs);
            record = record.withSpec(spec);
            store.save(record);
            CrashPoint.reached(Step.CONTAINER_CREATING_SAVED);
            images.pin(pinOwner(id), imageRecord.layers());
            undo.push(() -> images.unpin(pinOwner(id)));
            Files.createDirectories(bundle);
            undo.push(() -> FileTree.delete(bundle));
            List<Path> layers = imageRecord.layers().stream().map(images::layerDiff).toList();
            SandboxContext context = contextOf(sandbox);
            if (context.users() == null) {
                RootfsMount.mount(rootfs, layers, writable.resolve("upper"), writable.resolve("work"));
            } else {
                RootfsMount.mountIdmapped(rootfs, layers, writable.resolve("upper"), writable.resolve("work"),
                        Path.of(context.usernsPath()), context.users(), bundle.resolve("layers"));
            }
            undo.push(() -> RootfsMount.unmount(rootfs));
            CrashPoint.reached(Step.CONTAINER_ROOTFS_MOUNTED);

            List<Path> stagedVolumes = new ArrayList<>();
            undo.push(() -> IdmappedVolumes.release(stagedVolumes));
            spec = IdmappedVolumes.stage(spec, context, bundle.resolve("volumes"), stagedVolumes);
            OciSpec oci = OciSpecBuilder.build(spec, imageRecord.config(), context, id, rootfs,
                    daemonOomScoreAdj, seccomp);
            // The bundle lives in the runroot, which a reboot empties anyway: no fsync on the create path. Owner-only
            // from the start, as the env in it may hold secrets.
            Path config = Files.createFile(bundle.resolve("config.json"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(config, oci.bytes());
            makeDirs(logPath.getParent(), madeDirs);
            CrashPoint.reached(Step.CONTAINER_BUNDLE_WRITTEN);

            undo.push(() -> {
                if (runtime.knows(id)) {
                    runtime.delete(id);
                }
                conmon.release(sandbox.cgroupParent(), id);
                Files.deleteIfExists(layout.socketDir().resolve(id));
            });
            int pid = conmon.create(new Conmon.Launch(id, name, runtime, bundle, layout.exitDir(), logPath,
                    layout.socketDir(), spec.tty(), spec.stdin(), spec.stdinOnce(), sandbox.cgroupParent()));
            IdmappedVolumes.release(stagedVolumes);
            CrashPoint.reached(Step.CONTAINER_CONMON_STARTED);
            record = record.created(pid, oci.uid(), oci.gid(), oci.additionalGids());
            exitSignals.put(id, new CompletableFuture<>());
            store.save(record);
            if (!infra) {
                retries.unanswered(id);
            }
            CrashPoint.reached(Step.CONTAINER_CREATED_SAVED);
            undo.commit();
            log.info("container created id={} name={} sandbox={} image={} pid={}", id, name, sandbox.id(),
                    imageRecord.id(), pid);
            publish(ContainerEvents.Type.CREATED, record);
            return record;
        } catch (IOException | InterruptedException | RuntimeException e) {
            undo.undo(e);
            locks.remove(id);
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the record's name, or answers a retry of an earlier create with that container; in that case, or on
     * failure, releases {@code lock} (the new record's, held by the caller).
     */
    private Optional<ContainerRecord> reserveName(ContainerRecord record, ReentrantLock lock)
            throws InterruptedException {
        Optional<ContainerRecord> earlier = retries.reserve(store, record, this::lockOf, held ->
                held.state() == ContainerState.CREATED && !held.removing() && !held.infra() && !record.infra()
                        && held.sandboxId().equals(record.sandboxId()) && held.image().equals(record.image())
                        && held.spec().equals(record.spec()), () -> {
                    lock.unlock();
                    locks.remove(record.id());
                });
        earlier.ifPresent(e -> log.info("container create retried, answering with the earlier one id={} name={}",
                e.id(), e.name()));
        return earlier;
    }

    /**
     * The pod was READY when the create looked it up, but a RemovePodSandbox may have begun since: it marks the pod
     * removing before it lists its containers, so a container whose name was reserved after that listing must not
     * be made (one reserved before it is in the list, and its removal waits for this create's lock).
     */
    private void requireSandboxStillReady(String sandboxId) {
        Optional<SandboxRecord> current = sandboxes.find(sandboxId);
        if (current.isEmpty() || current.get().removing() || current.get().state() != SandboxState.READY) {
            throw new IllegalStateException("pod sandbox " + sandboxId + " was stopped or removed while the"
                    + " container was being created");
        }
    }

    /** The client received the container's ID: a later create of its name is a duplicate, no retry. */
    public void answered(String id) {
        retries.answered(id);
    }

    public ContainerRecord start(String idOrPrefix) throws IOException, InterruptedException {
        ContainerRecord record = store.find(idOrPrefix)
                .filter(r -> r.state() != ContainerState.CREATING)
                .orElseThrow(() -> new NotFoundException("container " + idOrPrefix + " not found"));
        ReentrantLock lock = lockOf(record.id());
        lock.lock();
        try {
            record = store.get(record.id()).orElseThrow(() -> new NotFoundException("container gone"));
            if (record.state() != ContainerState.CREATED) {
                throw new IllegalStateException("container " + record.id() + " is " + record.state()
                        + ", not CREATED; only a created container can start");
            }
            // Taken before the start: a short command's exit file may be older than "after start returned".
            long startedAt = EpochNanos.now();
            runtimes.get(record.runtimeHandler()).start(record.id());
            retries.answered(record.id());
            CrashPoint.reached(Step.CONTAINER_STARTED);
            store.save(record.started(startedAt));
            CrashPoint.reached(Step.CONTAINER_RUNNING_SAVED);
            publish(ContainerEvents.Type.STARTED, record.started(startedAt));
            log.info("container started id={} name={}", record.id(), record.name());
        } finally {
            lock.unlock();
        }
        // A short command may have exited already; its exit file then came before the RUNNING record.
        exits.exitOf(record.id()).ifPresent(this::onExit);
        return store.get(record.id()).orElseThrow(() -> new NotFoundException("container gone"));
    }

    /**
     * Sends the stop signal, then SIGKILL once {@code timeoutSeconds} passed (at once for 0); returns when the
     * process is gone. Idempotent: stopped and unknown containers are fine.
     */
    public void stop(String idOrPrefix, long timeoutSeconds) throws IOException, InterruptedException {
        Optional<ContainerRecord> found = store.find(idOrPrefix);
        if (found.isEmpty()) {
            return;
        }
        ContainerRecord record = found.get();
        if (record.state() != ContainerState.RUNNING && record.state() != ContainerState.CREATED) {
            return;
        }
        CompletableFuture<Void> exited = exitSignals.computeIfAbsent(record.id(), k -> new CompletableFuture<>());
        Optional<ExitWatcher.Exit> already = exits.exitOf(record.id());
        if (already.isPresent()) {
            onExit(already.get());
            return;
        }
        OciRuntime runtime = runtimes.get(record.runtimeHandler());
        if (timeoutSeconds > 0) {
            signal(runtime, record, record.stopSignal());
            CrashPoint.reached(Step.CONTAINER_STOP_SIGNALLED);
            if (awaitExit(exited, timeoutSeconds)) {
                return;
            }
        }
        signal(runtime, record, "KILL");
        CrashPoint.reached(Step.CONTAINER_STOP_SIGNALLED);
        if (!awaitExit(exited, 30)) {
            throw new IOException("container " + record.id() + " did not exit within 30 s of SIGKILL");
        }
    }

    private void signal(OciRuntime runtime, ContainerRecord record, String signal)
            throws IOException, InterruptedException {
        try {
            runtime.kill(record.id(), signal);
        } catch (IOException e) {
            // Gone between the check and the signal: its exit file settles it.
            if (exits.exitOf(record.id()).isEmpty()) {
                throw e;
            }
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

    /** Kills a running container first; removes mount, bundle, runtime state and record. The log stays. */
    public void remove(String idOrPrefix) throws IOException, InterruptedException {
        Optional<ContainerRecord> found = store.find(idOrPrefix);
        if (found.isEmpty()) {
            return;
        }
        String id = found.get().id();
        stop(id, 0);
        ReentrantLock lock = lockOf(id);
        lock.lock();
        try {
            ContainerRecord record = store.get(id).orElse(null);
            if (record == null) {
                return;
            }
            if (!record.removing()) {
                // From here the removal is finished by the next start if jcri dies; the container never comes back.
                record = record.markedRemoving();
                store.save(record);
                retries.answered(record.id());
                CrashPoint.reached(Step.CONTAINER_REMOVING_SAVED);
            }
            OciRuntime runtime = runtimes.get(record.runtimeHandler());
            if (runtime != null && runtime.knows(record.id())) {
                runtime.delete(record.id());
            }
            Path bundle = layout.bundlesDir().resolve(record.id());
            // A create cut short by a crash may have left conmon behind, with or without a container.
            awaitConmonExit(record);
            CrashPoint.reached(Step.CONTAINER_RUNTIME_DELETED);
            RootfsMount.unmount(bundle.resolve("rootfs"));
            CrashPoint.reached(Step.CONTAINER_ROOTFS_UNMOUNTED);
            FileTree.delete(bundle);
            // conmon's link from the socket dir to the bundle, which keeps the attach socket's path short.
            Files.deleteIfExists(layout.socketDir().resolve(record.id()));
            exits.forget(record.id());
            images.unpin(pinOwner(record.id()));
            CrashPoint.reached(Step.CONTAINER_BUNDLE_DELETED);
            store.delete(record.id());
            exitSignals.remove(record.id());
            log.info("container removed id={} name={}", record.id(), record.name());
            publish(ContainerEvents.Type.DELETED, record);
        } finally {
            lock.unlock();
            locks.remove(id);
        }
    }

    /** Runs a command in a running container and returns its output and exit code. */
    public SyncExec.Result execSync(String idOrPrefix, List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        ContainerRecord record = requireRunning(idOrPrefix);
        return SyncExec.run(runtimes.get(record.runtimeHandler()), record.id(), command, timeoutSeconds,
                layout.bundlesDir().resolve(record.id()));
    }

    /**
     * Starts a streamed exec in a running container; the caller owns the returned process and closes it.
     */
    public ExecProcess exec(String idOrPrefix, List<String> command, boolean tty) throws IOException {
        ContainerRecord record = requireRunning(idOrPrefix);
        return ExecProcess.start(runtimes.get(record.runtimeHandler()), record.id(), command, tty,
                layout.bundlesDir().resolve(record.id()), layout.socketDir());
    }

    /** Connects to the running container's own stdio through conmon. */
    public ConmonAttach attach(String idOrPrefix) throws IOException {
        ContainerRecord record = requireRunning(idOrPrefix);
        return ConmonAttach.connect(layout.bundlesDir().resolve(record.id()));
    }

    /** Resizes a running container's terminal, through conmon's control FIFO ("1 <height> <width>"). */
    public void resizeTerminal(String idOrPrefix, int columns, int rows) throws IOException {
        ContainerRecord record = requireRunning(idOrPrefix);
        if (record.spec().tty() && columns > 0 && rows > 0) {
            writeControl(record, "1 " + rows + " " + columns + "\n");
        }
    }

    private void writeControl(ContainerRecord record, String message) throws IOException {
        Path control = layout.bundlesDir().resolve(record.id()).resolve("ctl");
        Files.writeString(control, message);
    }

    /**
     * The container, which must exist (else NotFoundException) and run (else IllegalStateException): an exit
     * conmon reported but not yet recorded counts as not running.
     */
    public ContainerRecord requireRunning(String idOrPrefix) {
        ContainerRecord record = require(idOrPrefix);
        if (record.state() != ContainerState.RUNNING || exits.exitOf(record.id()).isPresent()) {
            throw new IllegalStateException("container " + record.id() + " is not running (state "
                    + record.state() + ")");
        }
        return record;
    }

    /**
     * Applies new resources to a created or running container. When the runtime refuses them (a value the kernel
     * does not take), the previous values are applied again, so what was in force stays in force.
     */
    public ContainerRecord updateResources(String idOrPrefix, ContainerSpec.Resources resources)
            throws IOException, InterruptedException {
        ContainerRecord record = require(idOrPrefix);
        ReentrantLock lock = lockOf(record.id());
        lock.lock();
        try {
            record = store.get(record.id()).orElseThrow(() -> new NotFoundException("container gone"));
            if (record.state() != ContainerState.CREATED && record.state() != ContainerState.RUNNING) {
                throw new IllegalStateException("container " + record.id() + " is " + record.state()
                        + "; only a created or running container takes new resources");
            }
            OciRuntime runtime = runtimes.get(record.runtimeHandler());
            Path file = layout.bundlesDir().resolve(record.id()).resolve("resources.json");
            try {
                Files.write(file, OciSpecBuilder.resourceUpdate(resources));
                runtime.update(record.id(), file);
            } catch (IOException refused) {
                try {
                    Files.write(file, OciSpecBuilder.resourceUpdate(record.spec().resources()));
                    runtime.update(record.id(), file);
                } catch (IOException restore) {
                    refused.addSuppressed(restore);
                }
                throw new IllegalArgumentException("linux: the runtime refused the new resources: "
                        + refused.getMessage(), refused);
            } finally {
                Files.deleteIfExists(file);
            }
            ContainerRecord updated = record.withSpec(record.spec().withResources(resources));
            store.save(updated);
            log.info("container resources updated id={}", record.id());
            return updated;
        } finally {
            lock.unlock();
        }
    }

    /** The container's writable layer: the overlay upper dir, where everything it writes lands. */
    public Path writableLayer(String id) {
        return store.dirOf(id).resolve("upper");
    }

    /** The OCI config.json the container was created with, while its bundle exists. */
    public Optional<String> runtimeSpec(String id) throws IOException {
        Path config = layout.bundlesDir().resolve(id).resolve("config.json");
        return Files.isRegularFile(config) ? Optional.of(Files.readString(config)) : Optional.empty();
    }

    public ContainerEvents events() {
        return events;
    }

    /** Replaces the built-in RuntimeDefault seccomp profile with the operator's (config seccomp.default_profile). */
    public void useSeccompFilters(SeccompFilters filters) {
        this.seccomp = filters;
    }

    /** Containers that ended by an OOM kill since jcri started, for metrics. */
    public long oomKills() {
        return oomKills.get();
    }

    /**
     * Makes conmon reopen the container's log file after kubelet rotated it. The CRI: for a container that is
     * not running this is an error, and no new file is created.
     */
    public void reopenLog(String idOrPrefix) throws IOException, InterruptedException {
        ContainerRecord record = require(idOrPrefix);
        if (record.state() != ContainerState.RUNNING || exits.exitOf(record.id()).isPresent()) {
            throw new IllegalStateException("container " + record.id() + " is not running; its log is not reopened");
        }
        // conmon reads "<type> <height> <width>"; type 2 asks it to reopen the log.
        writeControl(record, "2 0 0\n");
        Path log = Path.of(record.logPath());
        for (int i = 0; i < 200 && !Files.exists(log); i++) {
            Thread.sleep(10);
        }
        if (!Files.exists(log)) {
            throw new IOException("conmon did not reopen " + log + " within 2 s");
        }
    }

    /** The containers the CRI shows: neither half-made ones nor infra containers. */
    public Optional<ContainerRecord> find(String idOrPrefix) {
        return store.find(idOrPrefix).filter(Containers::visible);
    }

    /**
     * Every container that has a record, half-made and infra containers included: a create reserves its record
     * before it makes anything, so whatever carries one of these IDs is owned.
     */
    public java.util.Set<String> recordIds() {
        return store.list().stream().map(ContainerRecord::id).collect(java.util.stream.Collectors.toSet());
    }

    public List<ContainerRecord> list() {
        return store.list().stream().filter(Containers::visible).toList();
    }

    private static boolean visible(ContainerRecord record) {
        return record.state() != ContainerState.CREATING && !record.infra() && !record.removing();
    }

    private void publish(ContainerEvents.Type type, ContainerRecord record) {
        if (!record.infra()) {
            events.publish(type, record);
        }
    }

    @Override
    public void stopAll(String sandboxId) throws IOException, InterruptedException {
        for (ContainerRecord record : store.list()) {
            if (record.sandboxId().equals(sandboxId)) {
                stop(record.id(), 0);
            }
        }
    }

    @Override
    public void removeAll(String sandboxId) throws IOException, InterruptedException {
        for (ContainerRecord record : store.list()) {
            if (record.sandboxId().equals(sandboxId)) {
                remove(record.id());
            }
        }
    }

    /** After a restart: re-pin images, settle exits that happened while jcri was down, undo half-made ones. */
    public Recovery recover() throws IOException, InterruptedException {
        int restored = 0;
        int cleaned = 0;
        for (ContainerRecord record : store.load()) {
            images.pin(pinOwner(record.id()), record.layers());
            if (record.state() == ContainerState.CREATING || record.removing()) {
                log.warn("finishing a container {} a crash interrupted id={}",
                        record.removing() ? "removal" : "creation", record.id());
                remove(record.id());
                cleaned++;
                continue;
            }
            switch (record.state()) {
                case CREATED, RUNNING -> {
                    Optional<ExitWatcher.Exit> exit = exits.exitOf(record.id());
                    if (exit.isPresent()) {
                        onExit(exit.get());
                    } else if (!conmonAlive(record)) {
                        store.save(record.exited(255, EpochNanos.now(), "Unknown",
                                "conmon is gone and left no exit code"));
                    } else {
                        exitSignals.put(record.id(), new CompletableFuture<>());
                        settleStart(record);
                    }
                }
                case CREATING, EXITED -> { }
            }
            restored++;
        }
        return new Recovery(restored, cleaned);
    }

    /**
     * A CREATED record whose container runs: jcri died between the runtime's start and the RUNNING record. Any
     * other CREATED one may be the answer to a create a crash cut off.
     */
    private void settleStart(ContainerRecord record) throws IOException, InterruptedException {
        if (record.state() != ContainerState.CREATED) {
            return;
        }
        OciRuntime runtime = runtimes.get(record.runtimeHandler());
        Optional<String> status;
        try {
            status = runtime == null ? Optional.empty() : runtime.status(record.id());
        } catch (IOException e) {
            log.warn("cannot ask the runtime whether a created container started id={} error=\"{}\"", record.id(),
                    e.getMessage());
            status = Optional.empty();
        }
        if (status.isPresent() && !status.get().equals("created")) {
            // The start time died with the previous process; now is the closest honest bound.
            store.save(record.started(EpochNanos.now()));
            log.warn("container found started, recording it RUNNING id={} runtime_status={}", record.id(),
                    status.get());
            exits.exitOf(record.id()).ifPresent(this::onExit);
        } else if (!record.infra()) {
            retries.unanswered(record.id());
        }
    }

    private boolean conmonAlive(ContainerRecord record) {
        return conmonProcess(record).isPresent();
    }

    /** The container's conmon, if alive; its command line must name the container, so a reused PID is no match. */
    private Optional<ProcessHandle> conmonProcess(ContainerRecord record) {
        try {
            String pid = Files.readString(Conmon.conmonPidFile(layout.bundlesDir().resolve(record.id()))).strip();
            return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive).filter(p -> {
                try {
                    return Files.readString(Path.of("/proc", pid, "cmdline")).contains(record.id());
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Waits for the container's conmon to end once its container is gone, so that its exit file is written
     * before the removal deletes it; one that stays (a create cut short, no container to wait for) is killed.
     */
    private void awaitConmonExit(ContainerRecord record) throws InterruptedException {
        Optional<ProcessHandle> process = conmonProcess(record);
        try {
            if (process.isPresent()) {
                process.get().onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (TimeoutException e) {
            log.warn("killing a conmon left without its container id={} pid={}", record.id(), process.get().pid());
            process.get().destroyForcibly();
        } catch (ExecutionException e) {
            // onExit never fails.
        }
        // conmon's own cgroup or scope; the pod's record may be gone already (then the sweep finds the cgroup).
        sandboxes.find(record.sandboxId()).ifPresentOrElse(s -> conmon.release(s.cgroupParent(), record.id()),
                () -> conmon.release("", record.id()));
    }

    private void onExit(ExitWatcher.Exit exit) {
        ReentrantLock lock = lockOf(exit.containerId());
        lock.lock();
        try {
            ContainerRecord record = store.get(exit.containerId()).orElse(null);
            if (record == null || record.state() == ContainerState.EXITED
                    || record.state() == ContainerState.CREATING) {
                return;
            }
            boolean oom = Files.exists(Conmon.oomFile(layout.bundlesDir().resolve(record.id())));
            String reason = oom ? "OOMKilled" : exit.exitCode() == 0 ? "Completed" : "Error";
            if (oom) {
                oomKills.incrementAndGet();
            }
            long finished = Math.max(record.startedAt(), EpochNanos.of(exit.finishedAt()));
            ContainerRecord exited = record.exited(exit.exitCode(), finished, reason, "");
            store.save(exited);
            publish(ContainerEvents.Type.STOPPED, exited);
            log.info("container exited id={} name={} exit_code={} reason={}", record.id(), record.name(),
                    exit.exitCode(), reason);
        } catch (IOException e) {
            log.error("cannot record exit container={} error=\"{}\"", exit.containerId(), e.getMessage());
        } finally {
            lock.unlock();
            exitSignals.computeIfAbsent(exit.containerId(), k -> new CompletableFuture<>()).complete(null);
        }
    }

    /**
     * The PID namespace is the pod's decision: kubelet sends the same mode for pod and containers, but clients
     * such as crictl leave the container's at its zero value (POD) for pods that share none. Such a container gets
     * the pod's mode instead of an error.
     */
    private static ContainerSpec followSandboxPidMode(ContainerSpec spec, SandboxRecord sandbox) {
        if (spec.security().pidMode() != ContainerSpec.PidMode.POD
                || sandbox.spec().namespaces().pid() == PodSandboxSpec.Mode.POD) {
            return spec;
        }
        ContainerSpec.PidMode podMode = sandbox.spec().namespaces().hostPid()
                ? ContainerSpec.PidMode.NODE : ContainerSpec.PidMode.CONTAINER;
        return spec.withSecurity(spec.security().withPidMode(podMode));
    }

    /** HOST_TO_CONTAINER needs a shared or slave host mount, BIDIRECTIONAL a shared one, or nothing propagates. */
    private static void requirePropagation(MountSpec.Propagation propagation, Path host, String field)
            throws IOException {
        if (propagation == MountSpec.Propagation.PRIVATE) {
            return;
        }
        HostMountPropagation mount = HostMountPropagation.of(host);
        boolean ok = propagation == MountSpec.Propagation.BIDIRECTIONAL ? mount.shared()
                : mount.shared() || mount.slave();
        if (!ok) {
            throw new IllegalStateException(field + ": " + host + " is on the host mount " + mount.mountPoint()
                    + ", which is not " + (propagation == MountSpec.Propagation.BIDIRECTIONAL ? "shared"
                            : "shared or slave") + ", so " + propagation + " propagation could not work; make it"
                    + " shared (mount --make-rshared " + mount.mountPoint() + ")");
        }
    }

    /** Bind sources must be absolute and outside jcri's own state; checked before anything is made. */
    private static void requireUnprotected(ContainerSpec spec, List<Path> protectedDirs) {
        for (int i = 0; i < spec.mounts().size(); i++) {
            MountSpec mount = spec.mounts().get(i);
            String hostPath = mount.hostPath();
            if (hostPath.isEmpty() || !hostPath.startsWith("/") || hostPath.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("mounts[" + i + "].host_path: an absolute path is required, got \""
                        + mount.hostPath().replace("\0", "\\0") + "\"");
            }
            Path host = Path.of(mount.hostPath()).normalize();
            // Only paths inside: node agents legitimately mount / or /var/lib, which hold jcri's dirs.
            for (Path guarded : protectedDirs) {
                if (host.startsWith(guarded)) {
                    throw new IllegalArgumentException("mounts[" + i + "].host_path: " + host
                            + " is inside jcri's own state directory " + guarded + ", which no container may mount");
                }
            }
        }
    }

    /**
     * Bind sources as kubelet expects them: a symlink is resolved to what it points to (a bind mount of a path
     * through a link would otherwise follow it at mount time, inside the runtime), and a missing path is created
     * as a directory; the directories made are added to {@code madeDirs}, parents first.
     */
    private static ContainerSpec withPreparedHostPaths(ContainerSpec spec, List<Path> madeDirs) throws IOException {
        List<MountSpec> mounts = new ArrayList<>();
        for (int i = 0; i < spec.mounts().size(); i++) {
            MountSpec mount = spec.mounts().get(i);
            Path host = Path.of(mount.hostPath()).normalize();
            makeDirs(host, madeDirs);
            String real;
            try {
                real = host.toRealPath().toString();
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException("mounts[" + i + "].host_path: " + host
                        + " is a symbolic link to nothing");
            }
            // recursive_read_only with propagation is a malformed request, refused as such by the spec builder.
            if (!mount.recursiveReadOnly()) {
                requirePropagation(mount.propagation(), Path.of(real), "mounts[" + i + "]");
            }
            mounts.add(new MountSpec(mount.containerPath(), real, mount.readonly(), mount.propagation(),
                    mount.recursiveReadOnly(), mount.idmap()));
        }
        return spec.withMounts(mounts);
    }

    /** Creates {@code dir} with its missing parents, adding each one made to {@code madeDirs}, parents first. */
    private static void makeDirs(Path dir, List<Path> madeDirs) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.addFirst(p);
        }
        if (!missing.isEmpty()) {
            Files.createDirectories(dir);
            madeDirs.addAll(missing);
        }
    }

    /** Undoes {@link #makeDirs}: the directories made, deepest first, as long as they are empty. */
    private static void removeMadeDirs(List<Path> madeDirs) throws IOException {
        for (Path dir : madeDirs.reversed()) {
            try {
                Files.deleteIfExists(dir);
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                // Something else put a file there meanwhile; it is not ours to remove.
            }
        }
    }

    /** The container the CRI shows under this ID or unique prefix, else NotFoundException. */
    public ContainerRecord require(String idOrPrefix) {
        return find(idOrPrefix).orElseThrow(() -> new NotFoundException("container " + idOrPrefix + " not found"));
    }

    private SandboxContext contextOf(SandboxRecord sandbox) {
        Path files = sandboxes.filesDir(sandbox.id());
        return new SandboxContext(sandbox.id(), sandbox.hostname(), sandbox.netns(), sandbox.ipcns(),
                sandbox.utsns(), sandbox.pidns(), files.resolve("resolv.conf").toString(),
                files.resolve("hosts").toString(),
                files.resolve("hostname").toString(), sandbox.shm(), sandbox.cgroupParent(), sandbox.userns(),
                sandbox.spec().namespaces().users());
    }

    /** The CRI log path is relative to the pod's log directory and must stay inside it. */
    private static Path logPath(SandboxRecord sandbox, ContainerSpec spec) {
        String dir = sandbox.spec().logDirectory();
        if (dir.isEmpty() || spec.logPath().isEmpty()) {
            return Path.of("/dev/null");
        }
        Path base = Path.of(dir).normalize();
        Path path = base.resolve(spec.logPath()).normalize();
        if (!path.startsWith(base) || path.equals(base)) {
            throw new IllegalArgumentException("log_path: \"" + spec.logPath() + "\" leaves the pod's log directory");
        }
        return path;
    }

    private static String pinOwner(String id) {
        return "container-" + id;
    }

    private ReentrantLock lockOf(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }


    @Override
    public void close() throws IOException {
        exits.close();
    }
}
