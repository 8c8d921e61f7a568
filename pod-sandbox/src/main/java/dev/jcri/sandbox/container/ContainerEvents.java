package dev.jcri.sandbox.container;

import dev.jcri.sandbox.EpochNanos;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Container lifecycle events for kubelet's evented PLEG. Each subscriber has a bounded queue: a slow subscriber
 * loses events (counted in {@link #dropped()}) rather than slowing the runtime down.
 */
public final class ContainerEvents {
    public enum Type {
        CREATED,
        STARTED,
        STOPPED,
        DELETED
    }

    /** One event; {@code record} is the container as it was when the event happened. */
    public record Event(Type type, ContainerRecord record, long at) {}

    static final int QUEUE_CAPACITY = 1024;

    private final Set<BlockingQueue<Event>> subscribers = new CopyOnWriteArraySet<>();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    /** A new subscription; the caller takes from the queue and must {@link #unsubscribe} when done. */
    public BlockingQueue<Event> subscribe() {
        BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        subscribers.add(queue);
        return queue;
    }

    public void unsubscribe(BlockingQueue<Event> queue) {
        subscribers.remove(queue);
    }

    void publish(Type type, ContainerRecord record) {
        Event event = new Event(type, record, EpochNanos.now());
        for (BlockingQueue<Event> queue : subscribers) {
            if (!queue.offer(event)) {
                dropped.incrementAndGet();
            }
        }
    }

    /** Ends every subscription: the daemon is stopping and streams must not hold its shutdown up. */
    public void close() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Events no subscriber could take, since the start. */
    public long dropped() {
        return dropped.get();
    }
}
