package dev.jcri.sandbox.container;

import dev.jcri.sandbox.CreateRetries;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.RecordStore;
import dev.jcri.sandbox.StateLayout;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * What every container operation shares: the records, one lock per container ID (an operation on a container
 * holds it), the runtimes by handler, the retry bookkeeping of creates, and the event stream.
 */
final class ContainerTable {
    private final StateLayout layout;
    private final RecordStore<ContainerRecord> store;
    private final Map<String, ContainerRuntime> runtimes;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final CreateRetries retries = new CreateRetries();
    private final ContainerEvents events = new ContainerEvents();

    ContainerTable(StateLayout layout, Map<String, ? extends ContainerRuntime> runtimes) throws IOException {
        this.layout = layout;
        this.store = new RecordStore<>(
                layout.containerRecords(),
                StateLayout.CONTAINER_RECORD,
                ContainerRecord.class,
                ContainerRecord::id,
                ContainerRecord::name,
                "container");
        this.runtimes = Map.copyOf(runtimes);
    }

    StateLayout layout() {
        return layout;
    }

    StateLayout.ContainerPaths paths(String id) {
        return layout.container(id);
    }

    RecordStore<ContainerRecord> store() {
        return store;
    }

    CreateRetries retries() {
        return retries;
    }

    ContainerEvents events() {
        return events;
    }

    /** The runtime of a handler; null when the node no longer has it. */
    ContainerRuntime runtime(String handler) {
        return runtimes.get(handler);
    }

    ReentrantLock lockOf(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }

    /** The container is gone (or never came to be): its lock goes too. */
    void forgetLock(String id) {
        locks.remove(id);
    }

    /** The record as stored now, read under the container's lock; NotFoundException when it went meanwhile. */
    ContainerRecord current(String id) {
        return store.get(id).orElseThrow(() -> new NotFoundException("container " + id + " gone"));
    }

    /** The containers the CRI shows: neither half-made ones nor infra containers. */
    Optional<ContainerRecord> find(String idOrPrefix) {
        return store.find(idOrPrefix).filter(ContainerTable::visible);
    }

    /** The container the CRI shows under this ID or unique prefix, else NotFoundException. */
    ContainerRecord require(String idOrPrefix) {
        return find(idOrPrefix).orElseThrow(() -> new NotFoundException("container " + idOrPrefix + " not found"));
    }

    List<ContainerRecord> list() {
        return store.list().stream().filter(ContainerTable::visible).toList();
    }

    /** Every ID with a record, half-made and infra containers included. */
    Set<String> recordIds() {
        return store.list().stream().map(ContainerRecord::id).collect(Collectors.toSet());
    }

    void publish(ContainerEvents.Type type, ContainerRecord record) {
        if (!record.infra()) {
            events.publish(type, record);
        }
    }

    /** The pin that keeps a container's image layers in the store. */
    static String pinOwner(String id) {
        return "container-" + id;
    }

    private static boolean visible(ContainerRecord record) {
        return record.state() != ContainerState.CREATING && !record.infra() && !record.removing();
    }
}
