package dev.jcri.sandbox.container;

import dev.jcri.linux.FileTree;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.pod.SandboxRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RemoveContainer: kills a running container first, marks the record removing (from then on a crash finishes the
 * removal at the next start), then removes runtime state, rootfs mount, bundle and record. The log stays.
 * Idempotent: an unknown container is fine.
 */
final class ContainerRemove {
    private static final Logger log = LoggerFactory.getLogger(ContainerRemove.class);

    private final ContainerTable table;
    private final ContainerExits exits;
    private final ContainerStop stop;
    private final ContainerMonitor monitor;
    private final ContainerRootfs rootfs;
    private final ContainerImages images;
    private final Function<String, Optional<SandboxRecord>> sandboxes;

    /** @param sandboxes the pod sandbox of an ID, for the cgroup parent conmon's own cgroup lives under */
    ContainerRemove(
            ContainerTable table,
            ContainerExits exits,
            ContainerStop stop,
            ContainerMonitor monitor,
            ContainerRootfs rootfs,
            ContainerImages images,
            Function<String, Optional<SandboxRecord>> sandboxes) {
        this.table = table;
        this.exits = exits;
        this.stop = stop;
        this.monitor = monitor;
        this.rootfs = rootfs;
        this.images = images;
        this.sandboxes = sandboxes;
    }

    void remove(String idOrPrefix) throws IOException, InterruptedException {
        Optional<ContainerRecord> found = table.store().find(idOrPrefix);
        if (found.isEmpty()) {
            return;
        }
        String id = found.get().id();
        stop.stop(id, 0);
        ReentrantLock lock = table.lockOf(id);
        lock.lock();
        try {
            ContainerRecord record = table.store().get(id).orElse(null);
            if (record == null) {
                return;
            }
            if (!record.removing()) {
                // From here the removal is finished by the next start if jcri dies; the container never comes back.
                record = record.markedRemoving();
                table.store().save(record);
                table.retries().answered(record.id());
                CrashPoint.reached(Step.CONTAINER_REMOVING_SAVED);
            }
            ContainerRuntime runtime = table.runtime(record.runtimeHandler());
            if (runtime != null && runtime.knows(record.id())) {
                runtime.delete(record.id());
            }
            StateLayout.ContainerPaths paths = table.paths(record.id());
            // A create cut short by a crash may have left conmon behind, with or without a container.
            monitor.awaitExit(paths);
            // The pod's record may be gone already (a crash mid-removal): the systemd driver finds conmon's scope
            // by name, and the orphan sweep a cgroupfs cgroup.
            monitor.release(
                    sandboxes
                            .apply(record.sandboxId())
                            .map(SandboxRecord::cgroupParent)
                            .orElse(""),
                    record.id());
            CrashPoint.reached(Step.CONTAINER_RUNTIME_DELETED);
            rootfs.unmount(paths.rootfs());
            CrashPoint.reached(Step.CONTAINER_ROOTFS_UNMOUNTED);
            FileTree.delete(paths.bundle());
            Files.deleteIfExists(paths.attachLink());
            exits.forget(record.id());
            images.unpin(ContainerTable.pinOwner(record.id()));
            CrashPoint.reached(Step.CONTAINER_BUNDLE_DELETED);
            table.store().delete(record.id());
            log.info("container removed id={} name={}", record.id(), record.name());
            table.publish(ContainerEvents.Type.DELETED, record);
        } finally {
            lock.unlock();
            table.forgetLock(id);
        }
    }
}
