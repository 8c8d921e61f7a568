package dev.jcri.server.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WeakIdentityMapTest {
    private record Key(String name) {}

    @Test
    void keysAreObjectsNotValues() {
        WeakIdentityMap<Key, String> map = new WeakIdentityMap<>();
        Key first = new Key("a");
        Key equal = new Key("a");
        map.put(first, "first");

        assertEquals("first", map.get(first));
        assertNull(map.get(equal), "an equal record that is another object is another key");
        AtomicInteger made = new AtomicInteger();
        Function<Key, String> make = k -> "made " + made.incrementAndGet();
        assertEquals("made 1", map.computeIfAbsent(equal, make));
        assertEquals("made 1", map.computeIfAbsent(equal, make), "kept, not made again");
        assertEquals(2, map.size());
    }

    @Test
    void aValueGoesWithItsKey() throws InterruptedException {
        WeakIdentityMap<Key, Object> map = new WeakIdentityMap<>();
        Key kept = new Key("kept");
        Object value = new Object();
        map.put(kept, value);
        List<Key> garbage = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            garbage.add(new Key("k" + i));
            map.put(garbage.getLast(), new Object());
        }
        garbage.clear();
        for (int tries = 0; tries < 50 && map.size() > 1; tries++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(1, map.size());
        assertSame(value, map.get(kept));
    }
}
