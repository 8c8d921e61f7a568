package dev.jcri.sandbox.container;

import dev.jcri.image.store.ImageRecord;
import dev.jcri.linux.FileTree;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.ObjectId;
import dev.jcri.sandbox.Rollback;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.container.spec.OciSpec;
import dev.jcri.sandbox.container.spec.OciSpecBuilder;
import dev.jcri.sandbox.container.spec.SandboxContext;
import dev.jcri.sandbox.container.spec.SeccompFilters;
import dev.jcri.sandbox.pod.PodSandboxSpec;
import dev.jcri.sandbox.pod.QuotedText;
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
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateContainer: reserve the name, pin the image, mount the rootfs, write the bundle; conmon and the runtime's
 * create wait for StartContainer ({@link ContainerLaunch}). Every step pushes its
 * undo first; a failure runs them in reverse, so a failed create leaves nothing behind. A CREATING record is saved
 * before the first step, so a crash is undone at the next start.
 */
final class ContainerCreate {
    private static final Logger log = LoggerFactory.getLogger(ContainerCreate.class);

    private final ContainerTable table;
    private final Function<String, Optional<SandboxRecord>> sandboxes;
    private final ContainerImages images;
    private final ContainerRootfs rootfs;
    private final HostPathPreparation hostPaths;
    private final int daemonOomScoreAdj;
    private volatile SeccompFilters seccomp = SeccompFilters.builtIn();

    /** @param sandboxes the pod sandbox of an ID, as its record says now */
    ContainerCreate(
            ContainerTable table,
            Function<String, Optional<SandboxRecord>> sandboxes,
            ContainerImages images,
            ContainerRootfs rootfs,
            int daemonOomScoreAdj) {
        this.table = table;
        this.sandboxes = sandboxes;
        this.images = images;
        this.rootfs = rootfs;
        this.hostPaths = new HostPathPreparation(table.layout().protectedDirs());
        this.daemonOomScoreAdj = daemonOomScoreAdj;
    }

    /** Replaces the built-in RuntimeDefault seccomp profile with the operator's. */
    void useSeccompFilters(SeccompFilters filters) {
        this.seccomp = filters;
    }

    ContainerRecord create(String sandboxId, ContainerSpec spec, String image)
            throws IOException, InterruptedException {
        SandboxRecord sandbox = sandboxes
                .apply(sandboxId)
                .orElseThrow(() -> new NotFoundException("pod sandbox " + sandboxId + " not found"));
        if (sandbox.state() != SandboxState.READY) {
            throw new IllegalStateException("pod sandbox " + sandbox.id() + " is not ready");
        }
        if (spec.annotations().containsKey(CheckpointRestore.RESTORED_FROM)) {
            throw new IllegalArgumentException("config.annotations: " + CheckpointRestore.RESTORED_FROM
                    + " is set by jcri on restored containers only");
        }
        Optional<Path> archive = CheckpointRestore.archiveOf(image);
        if (archive.isPresent()) {
            CheckpointRestore.Source source = CheckpointRestore.read(archive.get());
            ImageRecord imageRecord = (source.imageId().isEmpty()
                            ? Optional.<ImageRecord>empty()
                            : images.find(source.imageId()))
                    .or(() -> images.find(source.imageName()))
                    .orElseThrow(() -> new NotFoundException(
                            "image " + source.imageName() + " (" + source.imageId() + "), which the checkpoint "
                                    + archive.get() + " was taken from, not found; pull it first"));
            Map<String, String> annotations = new TreeMap<>(spec.annotations());
            annotations.put(CheckpointRestore.RESTORED_FROM, archive.get().toString());
            return create(sandbox, spec.withAnnotations(annotations), source.imageName(), imageRecord, false, source);
        }
        ImageRecord imageRecord = images.find(image)
                .orElseThrow(() -> new NotFoundException("image " + image + " not found; pull it first"));
        return create(sandbox, spec, image, imageRecord, false);
    }

    ContainerRecord create(
            SandboxRecord sandbox, ContainerSpec spec, String image, ImageRecord imageRecord, boolean infra)
            throws IOException, InterruptedException {
        return create(sandbox, spec, image, imageRecord, infra, null);
    }

    /**
     * @param infra the pod's infra container: jcri's own, made while the pod is still CREATING
     * @param restore the checkpoint whose processes the container gets, or null for a fresh one
     */
    private ContainerRecord create(
            SandboxRecord sandbox,
            ContainerSpec spec,
            String image,
            ImageRecord imageRecord,
            boolean infra,
            CheckpointRestore.Source restore)
            throws IOException, InterruptedException {
        ContainerRuntime runtime = table.runtime(sandbox.runtimeHandler());
        if (runtime == null) {
            throw new IllegalStateException("pod sandbox " + sandbox.id() + " uses runtime handler "
                    + sandbox.runtimeHandler() + ", which this node no longer has");
        }
        if (restore != null) {
            Optional<String> problem = runtime.checkpointProblem();
            if (problem.isPresent()) {
                throw new IllegalStateException("checkpoint " + restore.archive() + " cannot be restored: runtime "
                        + "handler " + runtime.handler() + ": " + problem.get());
            }
        }
        String name = ContainerName.of(
                spec.name(),
                sandbox.spec().name(),
                sandbox.spec().namespace(),
                sandbox.spec().uid(),
                spec.attempt());
        spec = followSandboxPidMode(spec, sandbox);
        for (int i = 0; i < spec.mounts().size(); i++) {
            if (spec.mounts().get(i).recursiveReadOnly() && !runtime.supportsRecursiveReadOnly()) {
                throw new IllegalStateException("mounts[" + i + "].recursive_read_only: runtime handler "
                        + runtime.handler() + " cannot make submounts read-only on this node");
            }
        }
        hostPaths.requireUnprotected(spec);
        List<ContainerRecord.ImageReference> volumeImages = ImageVolumes.resolve(spec, images);
        String id = ObjectId.generate();
        StateLayout.ContainerPaths paths = table.paths(id);
        Path bundle = paths.bundle();
        Path logPath = logPath(sandbox, spec);
        String stopSignal = stopSignal(spec.stopSignal(), imageRecord.config().stopSignal(), image);
        ContainerRecord record = ContainerRecord.creating(
                id,
                name,
                sandbox.id(),
                spec,
                new ContainerRecord.ImageReference(image, imageRecord.id(), imageRecord.layers()),
                EpochNanos.now(),
                logPath.toString(),
                runtime.handler(),
                stopSignal,
                infra,
                volumeImages);

        // Locked before the name is taken: a retry that finds the name waits for this create to end.
        ReentrantLock lock = table.lockOf(id);
        lock.lock();
        Optional<ContainerRecord> earlier = reserveName(record, lock);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        Rollback undo = new Rollback();
        undo.push(() -> table.store().delete(id));
        CrashPoint.reached(Step.CONTAINER_NAME_RESERVED);
        try {
            if (!infra) {
                requireSandboxStillReady(sandbox.id());
            }
            // Missing bind sources and log dirs are made inside the rollback: a failed create leaves none behind.
            List<Path> madeDirs = new ArrayList<>();
            undo.push(() -> HostPathPreparation.removeMadeDirs(madeDirs));
            spec = hostPaths.prepare(spec, madeDirs);
            record = record.withSpec(spec);
            // Write-ahead for a restart of jcri; after a node crash the orphan sweep removes what it names.
            table.store().saveAhead(record);
            CrashPoint.reached(Step.CONTAINER_CREATING_SAVED);
            ImageVolumes.pin(images, ContainerTable.pinOwner(id), record);
            undo.push(() -> images.unpin(ContainerTable.pinOwner(id)));
            Files.createDirectories(bundle);
            undo.push(() -> FileTree.delete(bundle));
            List<Path> layers =
                    imageRecord.layers().stream().map(images::layerDiff).toList();
            SandboxContext context = contextOf(sandbox);
            if (context.users() == null) {
                rootfs.mount(paths.rootfs(), layers, paths.upper(), paths.work());
            } else {
                rootfs.mountIdmapped(
                        paths.rootfs(),
                        layers,
                        paths.upper(),
                        paths.work(),
                        Path.of(context.usernsPath()),
                        context.users(),
                        paths.idmappedLayers());
            }
            undo.push(() -> rootfs.unmount(paths.rootfs()));
            CrashPoint.reached(Step.CONTAINER_ROOTFS_MOUNTED);
            // Mounted for the container's lifetime; on a crash, deleting the bundle detaches them.
            List<Path> imageVolumes = new ArrayList<>();
            undo.push(() -> ImageVolumes.release(rootfs, imageVolumes));
            spec = ImageVolumes.stage(spec, volumeImages, images, rootfs, context, paths.imageVolumes(), imageVolumes);
            if (restore != null) {
                undo.push(() -> FileTree.delete(paths.restoreSource()));
                CheckpointRestore.unpack(restore, paths.restoreSource(), paths.rootfs());
            }

            List<Path> stagedVolumes = new ArrayList<>();
            undo.push(() -> IdmappedVolumes.release(stagedVolumes));
            spec = IdmappedVolumes.stage(spec, context, paths.idmappedVolumes(), stagedVolumes);
            OciSpec oci = OciSpecBuilder.build(
                    spec, imageRecord.config(), context, id, paths.rootfs(), daemonOomScoreAdj, seccomp);
            // The bundle lives in the runroot, which a reboot empties anyway: no fsync on the create path. Owner-only
            // from the start, as the env in it may hold secrets.
            Path config = Files.createFile(
                    paths.ociConfig(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(config, oci.bytes());
            HostPathPreparation.makeDirs(logPath.getParent(), madeDirs);
            CrashPoint.reached(Step.CONTAINER_BUNDLE_WRITTEN);

            // No process yet, as in containerd: conmon and the runtime's create run at StartContainer
            // (ContainerLaunch), for a restore from a checkpoint too (CRIU's images wait in the record dir). The
            // staged idmapped volumes stay until then: the runtime's create binds them.
            record =
                    record.created(new ContainerRecord.ContainerProcess(0, oci.uid(), oci.gid(), oci.additionalGids()));
            if (infra) {
                // No fsync: the pod's READY record, saved after it, is what a node crash must keep; an infra record
                // such a crash loses leaves its record dir to the orphan sweep (docs/architecture.md).
                table.store().saveAhead(record);
            } else {
                table.store().save(record);
                table.retries().unanswered(id);
            }
            CrashPoint.reached(Step.CONTAINER_CREATED_SAVED);
            undo.commit();
            log.info("container created id={} name={} sandbox={} image={}", id, name, sandbox.id(), imageRecord.id());
            table.publish(ContainerEvents.Type.CREATED, record);
            return record;
        } catch (IOException | RuntimeException e) {
            undo.undo(e);
            table.forgetLock(id);
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
        Optional<ContainerRecord> earlier = table.retries()
                .reserve(
                        table.store(),
                        record,
                        table::lockOf,
                        held -> held.state() == ContainerState.CREATED
                                && !held.removing()
                                && !held.infra()
                                && !record.infra()
                                && held.sandboxId().equals(record.sandboxId())
                                && held.image()
                                        .requested()
                                        .equals(record.image().requested())
                                && held.spec().equals(record.spec()),
                        () -> {
                            lock.unlock();
                            table.forgetLock(record.id());
                        });
        earlier.ifPresent(e ->
                log.info("container create retried, answering with the earlier one id={} name={}", e.id(), e.name()));
        return earlier;
    }

    /**
     * The pod was READY when the create looked it up, but a RemovePodSandbox may have begun since: it marks the pod
     * removing before it lists its containers, so a container whose name was reserved after that listing must not
     * be made (one reserved before it is in the list, and its removal waits for this create's lock).
     */
    private void requireSandboxStillReady(String sandboxId) {
        Optional<SandboxRecord> current = sandboxes.apply(sandboxId);
        if (current.isEmpty() || current.get().removing() || current.get().state() != SandboxState.READY) {
            throw new IllegalStateException(
                    "pod sandbox " + sandboxId + " was stopped or removed while the" + " container was being created");
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
        ContainerSpec.PidMode podMode =
                sandbox.spec().namespaces().hostPid() ? ContainerSpec.PidMode.NODE : ContainerSpec.PidMode.CONTAINER;
        return spec.withSecurity(spec.security().withPidMode(podMode));
    }

    private SandboxContext contextOf(SandboxRecord sandbox) {
        StateLayout.SandboxPaths files = table.layout().sandbox(sandbox.id());
        SandboxRecord.PodNamespaces pinned = sandbox.namespaces();
        return new SandboxContext(
                sandbox.id(),
                sandbox.hostname(),
                pinned.net().orElse(""),
                pinned.ipc().orElse(""),
                pinned.uts().orElse(""),
                pinned.pid().orElse(""),
                files.resolvConf().toString(),
                files.hosts().toString(),
                files.hostname().toString(),
                sandbox.shm().orElse(""),
                sandbox.cgroupParent(),
                pinned.user().orElse(""),
                sandbox.spec().namespaces().users());
    }

    /** The CRI log path is relative to the pod's log directory and must stay inside it. */
    /**
     * What StopContainer sends first (KEP-4960): the container's own signal, else the image's {@code StopSignal},
     * else SIGTERM. An image's value in a form no signal has is logged and SIGTERM used, as a container whose image
     * says nothing.
     */
    static String stopSignal(String fromConfig, String fromImage, String image) {
        if (!fromConfig.isEmpty()) {
            // From the CRI's enum, so a name; kept as sent, so that the status reports it back unchanged.
            return fromConfig;
        }
        if (fromImage.isEmpty()) {
            return "SIGTERM";
        }
        Optional<String> signal = SignalName.canonical(fromImage);
        if (signal.isEmpty()) {
            log.warn("image {} names stop signal {} that is no signal; using SIGTERM", image, QuotedText.of(fromImage));
        }
        return signal.orElse("SIGTERM");
    }

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
}
