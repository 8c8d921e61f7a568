package dev.jcri.sandbox.container;

import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import dev.jcri.sandbox.Recovery;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.container.spec.SeccompFilters;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxMembers;
import dev.jcri.sandbox.pod.SandboxRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The containers of this node, as the CRI handlers see them: each request is one operation class (CreateContainer
 * is {@link ContainerCreate}, StopContainer {@link ContainerStop}, and so on), which this facade wires to the
 * host: the OCI runtimes, conmon, the overlay rootfs and the image store.
 */
public final class Containers implements SandboxMembers, AutoCloseable {
    private static final long BACKGROUND_REMOVAL_WAIT_MILLIS = 10_000;

    private final ContainerTable table;
    private final ContainerExits exits;
    private final ContainerCreate creates;
    private final ContainerStart starts;
    private final ContainerStop stops;
    private final ContainerRemove removes;
    private final ContainerRecovery recovery;
    private final ContainerStreams streams;
    private final ContainerResourceUpdate updates;
    private final ContainerCheckpoint checkpoints;
    private final ImageSource infraImages;
    private final String infraImage;

    public Containers(
            StateLayout layout,
            PodSandboxes sandboxes,
            ImageStore images,
            Map<String, OciRuntime> runtimes,
            Conmon conmon,
            int daemonOomScoreAdj,
            ImageSource infraImages,
            String infraImage)
            throws IOException {
        this.infraImages = infraImages;
        this.infraImage = infraImage;
        Files.createDirectories(layout.bundles());
        Files.createDirectories(layout.attachLinks());
        ContainerImages imageStore = ContainerImages.of(images);
        ContainerRootfs rootfs = RootfsMount.overlay();
        this.table = new ContainerTable(layout, runtimes);
        this.exits = new ContainerExits(
                table,
                conmon,
                listener -> new ExitWatcher(layout.exits(), listener),
                MissedOomKills.forHost(id -> sandboxes.find(id).map(SandboxRecord::cgroupParent)));
        this.creates = new ContainerCreate(table, sandboxes::find, imageStore, rootfs, daemonOomScoreAdj);
        this.stops = new ContainerStop(table, exits);
        this.removes = new ContainerRemove(table, exits, stops, conmon, rootfs, imageStore, sandboxes::find);
        this.starts = new ContainerStart(table, exits, conmon, removes, sandboxes::find);
        this.recovery = new ContainerRecovery(table, exits, removes, conmon, imageStore);
        this.streams = new ContainerStreams(table, exits, conmon);
        this.updates = new ContainerResourceUpdate(table);
        this.checkpoints = new ContainerCheckpoint(table, sandboxes::find);
    }

    public ContainerRecord create(String sandboxId, ContainerSpec spec, String image)
            throws IOException, InterruptedException {
        return creates.create(sandboxId, spec, image);
    }

    /**
     * Runs the infra container of a pod that shares one PID namespace, from the configured pause image (pulled
     * when missing); returns the path of the namespace it holds.
     */
    @Override
    public String startInfra(SandboxRecord sandbox) throws IOException, InterruptedException {
        ImageRecord pause = infraImages.ensure(infraImage);
        ContainerSpec spec = ContainerSpec.builder("POD")
                .attempt(sandbox.spec().attempt())
                .stopSignal("SIGKILL")
                .build();
        ContainerRecord infra = creates.create(sandbox, spec, infraImage, pause, true);
        ContainerRecord started = starts.start(infra.id());
        if (started.state() != ContainerState.RUNNING) {
            throw new IOException("the infra container of pod sandbox " + sandbox.id() + " exited at once (exit code "
                    + started.exitCode() + "); check the pause image " + infraImage);
        }
        return "/proc/" + started.pid() + "/ns/pid";
    }

    /** The client received the container's ID: a later create of its name is a duplicate, no retry. */
    public void answered(String id) {
        table.retries().answered(id);
    }

    public ContainerRecord start(String idOrPrefix) throws IOException, InterruptedException {
        return starts.start(idOrPrefix);
    }

    /** See {@link ContainerStop}: stop signal, SIGKILL after {@code timeoutSeconds}; idempotent. */
    public void stop(String idOrPrefix, long timeoutSeconds) throws IOException, InterruptedException {
        stops.stop(idOrPrefix, timeoutSeconds);
    }

    /** See {@link ContainerRemove}: answers once the removal is durable, the rest follows; idempotent. */
    public void remove(String idOrPrefix) throws IOException, InterruptedException {
        removes.remove(idOrPrefix);
    }

    public SyncExec.Result execSync(String idOrPrefix, List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        return streams.execSync(idOrPrefix, command, timeoutSeconds);
    }

    public ExecProcess exec(String idOrPrefix, List<String> command, boolean tty) throws IOException {
        return streams.exec(idOrPrefix, command, tty);
    }

    public ConmonAttach attach(String idOrPrefix) throws IOException {
        return streams.attach(idOrPrefix);
    }

    public void resizeTerminal(String idOrPrefix, int columns, int rows) throws IOException {
        streams.resizeTerminal(idOrPrefix, columns, rows);
    }

    public void reopenLog(String idOrPrefix) throws IOException, InterruptedException {
        streams.reopenLog(idOrPrefix);
    }

    /** The container, which must exist (else NotFoundException) and run (else IllegalStateException). */
    public ContainerRecord requireRunning(String idOrPrefix) {
        return exits.requireRunning(idOrPrefix);
    }

    public ContainerRecord updateResources(String idOrPrefix, ContainerSpec.Resources resources)
            throws IOException, InterruptedException {
        return updates.update(idOrPrefix, resources);
    }

    /** See {@link ContainerCheckpoint}: the running container dumped by CRIU into an archive at {@code location}. */
    public void checkpoint(String idOrPrefix, String location, long timeoutSeconds)
            throws IOException, InterruptedException {
        checkpoints.checkpoint(idOrPrefix, location, timeoutSeconds);
    }

    /** Why containers of this runtime handler cannot be checkpointed on this node; empty when they can. */
    public Optional<String> checkpointProblem(String handler) {
        return table.runtime(handler).checkpointProblem();
    }

    /** The container's writable layer: the overlay upper dir, where everything it writes lands. */
    public Path writableLayer(String id) {
        return table.paths(id).upper();
    }

    /** The OCI config.json the container was created with, while its bundle exists. */
    public Optional<String> runtimeSpec(String id) throws IOException {
        Path config = table.paths(id).ociConfig();
        return Files.isRegularFile(config) ? Optional.of(Files.readString(config)) : Optional.empty();
    }

    public ContainerEvents events() {
        return table.events();
    }

    /** Replaces the built-in RuntimeDefault seccomp profile with the operator's (config seccomp.default_profile). */
    public void useSeccompFilters(SeccompFilters filters) {
        creates.useSeccompFilters(filters);
    }

    /** Containers that ended by an OOM kill since jcri started, for metrics. */
    public long oomKills() {
        return exits.oomKills();
    }

    /** The containers the CRI shows: neither half-made ones nor infra containers. */
    public Optional<ContainerRecord> find(String idOrPrefix) {
        return table.find(idOrPrefix);
    }

    /** The container the CRI shows under this ID or unique prefix, else NotFoundException. */
    public ContainerRecord require(String idOrPrefix) {
        return table.require(idOrPrefix);
    }

    /**
     * Every container that has a record, half-made and infra containers included: a create reserves its record
     * before it makes anything, so whatever carries one of these IDs is owned.
     */
    public Set<String> recordIds() {
        return table.recordIds();
    }

    public List<ContainerRecord> list() {
        return table.list();
    }

    @Override
    public void stopContainers(String sandboxId) throws IOException, InterruptedException {
        for (ContainerRecord record : membersInfraLast(sandboxId)) {
            if (!record.infra()) {
                stops.stop(record.id(), 0);
            }
        }
    }

    @Override
    public void stopInfra(String sandboxId) throws IOException, InterruptedException {
        for (ContainerRecord record : membersInfraLast(sandboxId)) {
            if (record.infra()) {
                stops.stop(record.id(), 0);
            }
        }
    }

    @Override
    public void removeContainers(String sandboxId) throws IOException, InterruptedException {
        for (ContainerRecord record : membersInfraLast(sandboxId)) {
            if (!record.infra()) {
                // Durably removing before the pod goes on; the teardown of each follows in the background.
                removes.remove(record.id());
            }
        }
    }

    @Override
    public void removeInfra(String sandboxId) throws IOException, InterruptedException {
        for (ContainerRecord record : membersInfraLast(sandboxId)) {
            if (record.infra()) {
                removes.remove(record.id());
            }
        }
    }

    /**
     * The pod's containers, its infra container last: the end of the infra container kills every process of the
     * shared PID namespace, so the others are stopped by their own signal first, as CRI-O does.
     */
    private List<ContainerRecord> membersInfraLast(String sandboxId) {
        return membersInfraLast(table.store().list(), sandboxId);
    }

    static List<ContainerRecord> membersInfraLast(List<ContainerRecord> records, String sandboxId) {
        return records.stream()
                .filter(record -> record.sandboxId().equals(sandboxId))
                .sorted(Comparator.comparing(ContainerRecord::infra))
                .toList();
    }

    /** After a restart: see {@link ContainerRecovery}. */
    public Recovery recover() throws IOException, InterruptedException {
        return recovery.recover();
    }

    /** Lets removals still running in the background end first (bounded: the next start finishes the rest). */
    @Override
    public void close() throws IOException {
        try {
            removes.awaitBackground(BACKGROUND_REMOVAL_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exits.close();
    }
}
