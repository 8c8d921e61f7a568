package dev.jcri.sandbox.container;

import dev.jcri.sandbox.container.spec.ContainerSpec;
import java.util.List;

/**
 * A container as persisted in {@code <root>/containers/<id>/container.json}.
 *
 * @param image the image as the request named it
 * @param imageRef the image ID it resolved to
 * @param layers the image's chain IDs, pinned in the image store while the container exists
 * @param createdAt epoch nanoseconds; startedAt and finishedAt are 0 until they happen
 * @param infra the pod's infra container, holding its shared PID namespace: jcri's own, never listed
 * @param removing a removal began: the next start finishes it if jcri dies first
 *
 * <p>Written ahead of what it describes: the bundle, rootfs mount, runtime state and conmon all hang off the ID,
 * so a CREATING record is enough for the next start to undo whatever step a crash interrupted.
 */
public record ContainerRecord(String id, String name, String sandboxId, ContainerSpec spec, String image,
        String imageRef, List<String> layers, ContainerState state, long createdAt, long startedAt,
        long finishedAt, int exitCode, String reason, String message, int pid, String logPath,
        String runtimeHandler, long uid, long gid, List<Long> additionalGids, String stopSignal, boolean infra,
        boolean removing) {

    public ContainerRecord {
        layers = List.copyOf(layers);
        additionalGids = List.copyOf(additionalGids);
    }

    /** Created by the runtime: its PID and the identity its process runs as. */
    ContainerRecord created(int newPid, long newUid, long newGid, List<Long> newGroups) {
        return new ContainerRecord(id, name, sandboxId, spec, image, imageRef, layers, ContainerState.CREATED,
                createdAt, startedAt, finishedAt, exitCode, reason, message, newPid, logPath, runtimeHandler, newUid,
                newGid, newGroups, stopSignal, infra, removing);
    }

    ContainerRecord started(long at) {
        return new ContainerRecord(id, name, sandboxId, spec, image, imageRef, layers, ContainerState.RUNNING,
                createdAt, at, finishedAt, exitCode, reason, message, pid, logPath, runtimeHandler, uid, gid,
                additionalGids, stopSignal, infra, removing);
    }

    ContainerRecord markedRemoving() {
        return new ContainerRecord(id, name, sandboxId, spec, image, imageRef, layers, state, createdAt, startedAt,
                finishedAt, exitCode, reason, message, pid, logPath, runtimeHandler, uid, gid, additionalGids,
                stopSignal, infra, true);
    }

    ContainerRecord withSpec(ContainerSpec newSpec) {
        return new ContainerRecord(id, name, sandboxId, newSpec, image, imageRef, layers, state, createdAt, startedAt,
                finishedAt, exitCode, reason, message, pid, logPath, runtimeHandler, uid, gid, additionalGids,
                stopSignal, infra, removing);
    }

    ContainerRecord exited(int code, long at, String why, String detail) {
        return new ContainerRecord(id, name, sandboxId, spec, image, imageRef, layers, ContainerState.EXITED,
                createdAt, startedAt, at, code, why, detail, pid, logPath, runtimeHandler, uid, gid, additionalGids,
                stopSignal, infra, removing);
    }
}
