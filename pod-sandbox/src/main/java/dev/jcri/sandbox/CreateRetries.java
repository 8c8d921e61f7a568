package dev.jcri.sandbox;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Tells a retry of a create from a second create of the same name. kubelet retries RunPodSandbox and
 * CreateContainer with the same request when its deadline passed (or jcri restarted) before the answer came; the
 * first call goes on to the end in jcri, so the retry finds the name taken by the object it asked for. Such a
 * retry gets that object, once its create finished; a create whose answer the client did get keeps its name
 * to itself (ALREADY_EXISTS for a duplicate).
 *
 * <p>An object is unanswered from its create until the RPC layer says the answer went out; objects restored at
 * startup are unanswered while they are in the state a create leaves (a crash may have eaten the answer).
 */
public final class CreateRetries {
    /** How long a retry waits for the first call's create to finish before it gives up with ALREADY_EXISTS. */
    private static final long WAIT_SECONDS = 150;

    private final Set<String> unanswered = ConcurrentHashMap.newKeySet();

    /** The object was made (or restored): until {@link #answered}, an identical create may be handed it. */
    public void unanswered(String id) {
        unanswered.add(id);
    }

    /** The client received the ID: from now on a create of the same name is a duplicate. */
    public void answered(String id) {
        unanswered.remove(id);
    }

    /**
     * Reserves {@code record}'s name, or finds the object a retry of the same request asks for. When the name is
     * held by an object still being created, waits for that create (its lock) to end: undone, the name is free
     * again; finished, it is handed over if it is unanswered and {@code sameRequest} says the retry asks for it.
     *
     * @param releaseOwnLock run unless the name was reserved (a retry answered, a duplicate, a failure): the
     *     caller holds the new record's lock, which then guards nothing
     * @return empty when the name is now reserved for {@code record}; the earlier object for a retry
     * @throws RecordStore.NameTakenException for a true duplicate
     */
    public <T> Optional<T> reserve(
            RecordStore<T> store,
            T record,
            Function<String, ReentrantLock> lockOf,
            Predicate<T> sameRequest,
            Runnable releaseOwnLock)
            throws InterruptedException {
        boolean reserved = false;
        try {
            Optional<T> earlier = reserveOrFind(store, record, lockOf, sameRequest);
            reserved = earlier.isEmpty();
            return earlier;
        } finally {
            if (!reserved) {
                releaseOwnLock.run();
            }
        }
    }

    private <T> Optional<T> reserveOrFind(
            RecordStore<T> store, T record, Function<String, ReentrantLock> lockOf, Predicate<T> sameRequest)
            throws InterruptedException {
        while (true) {
            RecordStore.NameTakenException taken;
            try {
                store.reserve(record);
                return Optional.empty();
            } catch (RecordStore.NameTakenException e) {
                taken = e;
            }
            String holder = taken.holderId();
            ReentrantLock lock = lockOf.apply(holder);
            if (!lock.tryLock(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new RecordStore.NameTakenException(
                        taken.getMessage() + ", whose creation is still under way", holder);
            }
            try {
                Optional<T> current = store.get(holder);
                if (current.isEmpty()) {
                    continue;
                }
                if (unanswered.contains(holder) && sameRequest.test(current.get())) {
                    return current;
                }
                throw taken;
            } finally {
                lock.unlock();
            }
        }
    }
}
