package dev.jcri.sandbox.container;

import dev.jcri.linux.FileTree;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.pod.SandboxRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    private final Map<String, CompletableFuture<Void>> background = new ConcurrentHashMap<>();

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

    /**
     * RemoveContainer as the CRI sees it: answers once the removal is durable (the record saved {@code removing},
     * which hides the container and which the next start finishes) and leaves the rest to a virtual thread, so the
     * runtime's delete, conmon's exit, the unmount and the deletion of the bundle and writable layer are off the
     * RPC's path, as containerd leaves its snapshot to a later collection. The name stays held until that ends.
     */
    void remove(String idOrPrefix) throws IOException, InterruptedException {
        Optional<String> marked = markRemoving(idOrPrefix);
        if (marked.isEmpty()) {
            return;
        }
        String id = marked.get();
        String cgroupParent = cgroupParentOf(
                table.store().get(id).map(ContainerRecord::sandboxId).orElse(""));
        CompletableFuture<Void> done = new CompletableFuture<>();
        background.put(id, done);
        // The answer waits until the teardown holds the container's lock: a CreateContainer that reuses the name
        // right after it then waits for the name to be free instead of finding it taken.
        CountDownLatch locked = new CountDownLatch(1);
        Thread.ofVirtual().name("container-remove-" + id).start(() -> {
            try {
                finish(id, cgroupParent, locked::countDown);
            } catch (IOException | RuntimeException e) {
                log.warn("container removal left for the next start id={} error=\"{}\"", id, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                locked.countDown();
                background.remove(id, done);
                done.complete(null);
            }
        });
        locked.await();
    }

    /** Removes the container wholly before it returns (pod removal, a failed restore, recovery). */
    void removeNow(String idOrPrefix) throws IOException, InterruptedException {
        Optional<String> marked = markRemoving(idOrPrefix);
        if (marked.isPresent()) {
            String id = marked.get();
            finish(
                    id,
                    cgroupParentOf(table.store()
                            .get(id)
                            .map(ContainerRecord::sandboxId)
                            .orElse("")),
                    () -> {});
        }
    }

    /** Waits up to {@code millis} for the removals still running in the background (shutdown). */
    void awaitBackground(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (CompletableFuture<Void> done : List.copyOf(background.values())) {
            try {
                done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                return;
            }
        }
    }

    /**
     * Stops the container, saves its record {@code removing}, unmounts its rootfs and releases its images; the ID,
     * or empty when there is nothing to remove.
     */
    private Optional<String> markRemoving(String idOrPrefix) throws IOException, InterruptedException {
        Optional<ContainerRecord> found = table.store().find(idOrPrefix);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        String id = found.get().id();
        stop.stop(id, 0);
        ReentrantLock lock = table.lockOf(id);
        lock.lock();
        try {
            ContainerRecord record = table.store().get(id).orElse(null);
            if (record == null) {
                return Optional.empty();
            }
            if (!record.removing()) {
                // From here the removal is finished by the next start if jcri dies; the container never comes back.
                record = record.markedRemoving();
                table.store().save(record);
                table.retries().answered(record.id());
                CrashPoint.reached(Step.CONTAINER_REMOVING_SAVED);
            }
            // Before the answer, so that the image is free for a RemoveImage that follows: the container's
            // processes are gone (stopped above), and the runtime's delete does not need its rootfs.
            rootfs.unmount(table.paths(id).rootfs());
            CrashPoint.reached(Step.CONTAINER_ROOTFS_UNMOUNTED);
            images.unpin(ContainerTable.pinOwner(id));
            return Optional.of(id);
        } finally {
            lock.unlock();
        }
    }

    /** The pod's cgroup parent, under which conmon's own cgroup lives; read while the pod's record still exists. */
    private String cgroupParentOf(String sandboxId) {
        // The pod's record may be gone already (a crash mid-removal): the systemd driver finds conmon's scope by
        // name, and the orphan sweep a cgroupfs cgroup.
        return sandboxes.apply(sandboxId).map(SandboxRecord::cgroupParent).orElse("");
    }

    /** Everything after the {@code removing} record, under the container's lock; idempotent. */
    private void finish(String id, String cgroupParent, Runnable onLocked) throws IOException, InterruptedException {
        ReentrantLock lock = table.lockOf(id);
        lock.lock();
        onLocked.run();
        try {
            ContainerRecord record = table.store().get(id).orElse(null);
            if (record == null) {
                return;
            }
            ContainerRuntime runtime = table.runtime(record.runtimeHandler());
            if (runtime != null && runtime.knows(record.id())) {
                runtime.delete(record.id());
            }
            StateLayout.ContainerPaths paths = table.paths(record.id());
            // A create cut short by a crash may have left conmon behind, with or without a container.
            monitor.awaitExit(paths);
            monitor.release(cgroupParent, record.id());
            CrashPoint.reached(Step.CONTAINER_RUNTIME_DELETED);
            FileTree.delete(paths.bundle());
            Files.deleteIfExists(paths.attachLink());
            exits.forget(record.id());
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
