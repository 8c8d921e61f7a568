package dev.jcri.sandbox.container;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import java.util.List;
import java.util.Optional;

/**
 * A container as persisted in its record dir ({@code container.json}, see {@link dev.jcri.sandbox.StateLayout}).
 *
 * @param createdAt epoch nanoseconds
 * @param startedAt epoch nanoseconds, 0 until it started (the CRI's value for never)
 * @param process the runtime's process, once the runtime created the container
 * @param exit how it ended, once it did
 * @param stopSignal what StopContainer sends first: the container's, else the image's, else SIGTERM
 * @param infra the pod's infra container, holding its shared PID namespace: jcri's own, never listed
 * @param removing a removal began: the next start finishes it if jcri dies first
 * @param volumeImages the images its image volumes mount, in the order of those mounts: held in the image store
 *     (with their layers) while the container exists
 *
 * <p>Written ahead of what it describes: the bundle, rootfs mount, runtime state and conmon all hang off the ID,
 * so a CREATING record is enough for the next start to undo whatever step a crash interrupted. On disk it keeps
 * the flat form of the first jcri ({@link Stored}), so that records of a node upgraded with pods running load.
 */
public record ContainerRecord(
        String id,
        String name,
        String sandboxId,
        ContainerSpec spec,
        ImageReference image,
        ContainerState state,
        long createdAt,
        long startedAt,
        Optional<ContainerProcess> process,
        Optional<ExitStatus> exit,
        String logPath,
        String runtimeHandler,
        String stopSignal,
        boolean infra,
        boolean removing,
        List<ImageReference> volumeImages) {

    public ContainerRecord {
        volumeImages = List.copyOf(volumeImages);
    }

    /**
     * @param requested the image as the request named it
     * @param id the image ID it resolved to
     * @param layers the image's chain IDs, pinned in the image store while the container exists
     */
    public record ImageReference(String requested, String id, List<String> layers) {
        public ImageReference {
            layers = List.copyOf(layers);
        }
    }

    /** The container's process as the runtime created it: its host PID and the identity it runs as. */
    public record ContainerProcess(int pid, long uid, long gid, List<Long> additionalGids) {
        public ContainerProcess {
            additionalGids = List.copyOf(additionalGids);
        }
    }

    /**
     * @param finishedAt epoch nanoseconds
     * @param reason the CRI's reason: Completed, Error, OOMKilled, or Unknown when the exit was not seen
     */
    public record ExitStatus(int code, long finishedAt, String reason, String message) {}

    /** A container about to be made: nothing of it exists yet but the ID its record reserves. */
    static ContainerRecord creating(
            String id,
            String name,
            String sandboxId,
            ContainerSpec spec,
            ImageReference image,
            long createdAt,
            String logPath,
            String runtimeHandler,
            String stopSignal,
            boolean infra,
            List<ImageReference> volumeImages) {
        return new ContainerRecord(
                id,
                name,
                sandboxId,
                spec,
                image,
                ContainerState.CREATING,
                createdAt,
                0,
                Optional.empty(),
                Optional.empty(),
                logPath,
                runtimeHandler,
                stopSignal,
                infra,
                false,
                volumeImages);
    }

    /** Launched at StartContainer: the runtime's process {@code pid}, running as the identity CreateContainer chose. */
    ContainerRecord launched(int pid) {
        ContainerProcess before = process().orElseThrow();
        return created(new ContainerProcess(pid, before.uid(), before.gid(), before.additionalGids()));
    }

    /** Created by the runtime: its PID and the identity its process runs as. */
    ContainerRecord created(ContainerProcess newProcess) {
        return new ContainerRecord(
                id,
                name,
                sandboxId,
                spec,
                image,
                ContainerState.CREATED,
                createdAt,
                startedAt,
                Optional.of(newProcess),
                exit,
                logPath,
                runtimeHandler,
                stopSignal,
                infra,
                removing,
                volumeImages);
    }

    ContainerRecord started(long at) {
        return new ContainerRecord(
                id,
                name,
                sandboxId,
                spec,
                image,
                ContainerState.RUNNING,
                createdAt,
                at,
                process,
                exit,
                logPath,
                runtimeHandler,
                stopSignal,
                infra,
                removing,
                volumeImages);
    }

    ContainerRecord markedRemoving() {
        return new ContainerRecord(
                id,
                name,
                sandboxId,
                spec,
                image,
                state,
                createdAt,
                startedAt,
                process,
                exit,
                logPath,
                runtimeHandler,
                stopSignal,
                infra,
                true,
                volumeImages);
    }

    ContainerRecord withSpec(ContainerSpec newSpec) {
        return new ContainerRecord(
                id,
                name,
                sandboxId,
                newSpec,
                image,
                state,
                createdAt,
                startedAt,
                process,
                exit,
                logPath,
                runtimeHandler,
                stopSignal,
                infra,
                removing,
                volumeImages);
    }

    ContainerRecord exited(ExitStatus status) {
        return new ContainerRecord(
                id,
                name,
                sandboxId,
                spec,
                image,
                ContainerState.EXITED,
                createdAt,
                startedAt,
                process,
                Optional.of(status),
                logPath,
                runtimeHandler,
                stopSignal,
                infra,
                removing,
                volumeImages);
    }

    /** The exit code the CRI reports: 0 until the container exited. */
    public int exitCode() {
        return exit.map(ExitStatus::code).orElse(0);
    }

    /** The host PID the CRI reports: 0 before the runtime created the container. */
    public int pid() {
        return process.map(ContainerProcess::pid).orElse(0);
    }

    /**
     * The record file's form: flat, absent values as zero or "". It is the format the first jcri wrote, kept so
     * that an upgraded node loads the records of the containers it runs.
     */
    record Stored(
            String id,
            String name,
            String sandboxId,
            ContainerSpec spec,
            String image,
            String imageRef,
            List<String> layers,
            ContainerState state,
            long createdAt,
            long startedAt,
            long finishedAt,
            int exitCode,
            String reason,
            String message,
            int pid,
            String logPath,
            String runtimeHandler,
            long uid,
            long gid,
            List<Long> additionalGids,
            String stopSignal,
            boolean infra,
            boolean removing,
            // Left out when empty: a container without image volumes keeps the first jcri's form.
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ImageReference> volumeImages) {}

    @JsonValue
    Stored stored() {
        ContainerProcess p = process.orElse(null);
        ExitStatus e = exit.orElse(null);
        return new Stored(
                id,
                name,
                sandboxId,
                spec,
                image.requested(),
                image.id(),
                image.layers(),
                state,
                createdAt,
                startedAt,
                e == null ? 0 : e.finishedAt(),
                e == null ? 0 : e.code(),
                e == null ? "" : e.reason(),
                e == null ? "" : e.message(),
                p == null ? 0 : p.pid(),
                logPath,
                runtimeHandler,
                p == null ? 0 : p.uid(),
                p == null ? 0 : p.gid(),
                p == null ? List.of() : p.additionalGids(),
                stopSignal,
                infra,
                removing,
                volumeImages);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static ContainerRecord fromStored(Stored s) {
        // The runtime made a process for every container past CREATING; only an EXITED one has an exit.
        Optional<ContainerProcess> process = s.state() == ContainerState.CREATING
                ? Optional.empty()
                : Optional.of(new ContainerProcess(
                        s.pid(), s.uid(), s.gid(), s.additionalGids() == null ? List.of() : s.additionalGids()));
        Optional<ExitStatus> exit = s.state() != ContainerState.EXITED
                ? Optional.empty()
                : Optional.of(new ExitStatus(s.exitCode(), s.finishedAt(), orEmpty(s.reason()), orEmpty(s.message())));
        return new ContainerRecord(
                s.id(),
                s.name(),
                s.sandboxId(),
                s.spec(),
                new ImageReference(
                        orEmpty(s.image()), orEmpty(s.imageRef()), s.layers() == null ? List.of() : s.layers()),
                s.state(),
                s.createdAt(),
                s.startedAt(),
                process,
                exit,
                orEmpty(s.logPath()),
                orEmpty(s.runtimeHandler()),
                orEmpty(s.stopSignal()),
                s.infra(),
                s.removing(),
                s.volumeImages() == null ? List.of() : s.volumeImages());
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
