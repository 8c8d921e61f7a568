package dev.jcri.sandbox.container;

import dev.jcri.linux.AtomicFile;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.container.spec.OciSpecBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * UpdateContainerResources: new cgroup values through {@code <runtime> update}. When the runtime refuses them (a
 * value the kernel does not take), the previous values are applied again, so what was in force stays in force.
 */
final class ContainerResourceUpdate {
    private static final Logger log = LoggerFactory.getLogger(ContainerResourceUpdate.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ContainerTable table;

    ContainerResourceUpdate(ContainerTable table) {
        this.table = table;
    }

    ContainerRecord update(String idOrPrefix, ContainerSpec.Resources resources)
            throws IOException, InterruptedException {
        ContainerRecord record = table.require(idOrPrefix);
        ReentrantLock lock = table.lockOf(record.id());
        lock.lock();
        try {
            record = table.current(record.id());
            if (record.state() != ContainerState.CREATED && record.state() != ContainerState.RUNNING) {
                throw new IllegalStateException("container " + record.id() + " is " + record.state()
                        + "; only a created or running container takes new resources");
            }
            if (CheckpointRestore.pending(record)) {
                // No runtime state to update before StartContainer restores the processes (with the dumped limits).
                throw new IllegalStateException("container " + record.id()
                        + " waits for StartContainer to restore it from a checkpoint; update it once it runs");
            }
            if (ContainerLaunch.pending(record)) {
                // Not launched yet: the runtime's create reads the new values from the bundle (as containerd
                // updates the spec of a container that has no task yet).
                rewriteBundle(table.paths(record.id()).ociConfig(), resources);
                ContainerRecord updated = record.withSpec(record.spec().withResources(resources));
                table.store().save(updated);
                log.info("container resources updated in its bundle id={}", record.id());
                return updated;
            }
            ContainerRuntime runtime = table.runtime(record.runtimeHandler());
            Path file = table.paths(record.id()).resourceUpdate();
            try {
                Files.write(file, OciSpecBuilder.resourceUpdate(resources));
                runtime.update(record.id(), file);
            } catch (IOException refused) {
                try {
                    Files.write(
                            file, OciSpecBuilder.resourceUpdate(record.spec().resources()));
                    runtime.update(record.id(), file);
                } catch (IOException restore) {
                    refused.addSuppressed(restore);
                }
                throw new IllegalArgumentException(
                        "linux: the runtime refused the new resources: " + refused.getMessage(), refused);
            } finally {
                Files.deleteIfExists(file);
            }
            ContainerRecord updated = record.withSpec(record.spec().withResources(resources));
            table.store().save(updated);
            log.info("container resources updated id={}", record.id());
            return updated;
        } finally {
            lock.unlock();
        }
    }

    /** Replaces the values of config.json's {@code linux.resources} that an update sets (devices stay). */
    private static void rewriteBundle(Path config, ContainerSpec.Resources resources) throws IOException {
        ObjectNode spec = (ObjectNode) JSON.readTree(Files.readAllBytes(config));
        ObjectNode linux = spec.has("linux") ? (ObjectNode) spec.get("linux") : spec.putObject("linux");
        ObjectNode current =
                linux.has("resources") ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
        current.setAll((ObjectNode) JSON.readTree(OciSpecBuilder.resourceUpdate(resources)));
        // The bundle lives in the runroot (a reboot empties it): a rename keeps it whole, no fsync needed. Owner-only,
        // as config.json itself: the env in it may hold secrets.
        AtomicFile.replaceUnsynced(config, JSON.writeValueAsBytes(spec), "rw-------");
    }
}
