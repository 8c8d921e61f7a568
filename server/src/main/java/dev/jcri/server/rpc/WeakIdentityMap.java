package dev.jcri.server.rpc;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A value kept per key object, by identity, for as long as that object lives: keys are held weakly, so an entry
 * goes once its key is garbage (a value must not refer to its key). Two keys equal by value but distinct objects
 * are two keys. Used to keep what was made from an immutable object (a record's CRI answer, a message's bytes)
 * while that very object is still the current one.
 */
public final class WeakIdentityMap<K, V> {
    private final Map<Object, V> values = new ConcurrentHashMap<>();
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

    public V get(K key) {
        expunge();
        return values.get(new Probe(key));
    }

    public void put(K key, V value) {
        expunge();
        values.put(new WeakKey(key, collected), value);
    }

    /** The value kept for this object, else {@code make}'s, kept; two callers racing may both make one. */
    public V computeIfAbsent(K key, Function<? super K, ? extends V> make) {
        V value = get(key);
        if (value == null) {
            value = make.apply(key);
            put(key, value);
        }
        return value;
    }

    /** Entries whose key still lives (or was not yet found gone). */
    public int size() {
        expunge();
        return values.size();
    }

    private void expunge() {
        for (Reference<?> gone; (gone = collected.poll()) != null; ) {
            values.remove(gone);
        }
    }

    /** A key by identity that does not hold its object. */
    private static final class WeakKey extends WeakReference<Object> {
        private final int hash;

        WeakKey(Object key, ReferenceQueue<Object> queue) {
            super(key, queue);
            this.hash = System.identityHashCode(key);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            Object key = get();
            return other == this
                    || key != null
                            && (other instanceof WeakKey weak && weak.get() == key
                                    || other instanceof Probe probe && probe.key() == key);
        }
    }

    /** A lookup by identity, without a reference object per call. */
    private record Probe(Object key) {
        @Override
        public int hashCode() {
            return System.identityHashCode(key);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof WeakKey weak && weak.get() == key
                    || other instanceof Probe probe && probe.key == key;
        }
    }
}
