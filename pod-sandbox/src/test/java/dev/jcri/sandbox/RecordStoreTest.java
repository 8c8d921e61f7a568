package dev.jcri.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordStoreTest {
    /** A record as an older jcri wrote it has no {@code removing}; a newer field reads as its zero value. */
    public record Item(String id, String name, boolean removing) {}

    @TempDir
    Path dir;

    private RecordStore<Item> store() throws Exception {
        return new RecordStore<>(dir, "item.json", Item.class, Item::id, Item::name, "item");
    }

    @Test
    void aRecordWithoutANewerFieldLoads() throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.writeString(dir.resolve("a/item.json"), "{\"id\":\"a\",\"name\":\"one\"}");
        assertEquals(List.of(new Item("a", "one", false)), store().load());
    }

    @Test
    void savedRecordsComeBackAndDeleteRemovesEverything() throws Exception {
        RecordStore<Item> store = store();
        store.reserve(new Item("a", "one", false));
        store.save(new Item("a", "one", true));
        Files.createDirectories(dir.resolve("a/upper/deep"));
        Files.writeString(dir.resolve("a/upper/deep/file"), "x");
        assertEquals(List.of(new Item("a", "one", true)), store().load());
        assertEquals(Optional.of("a"), store.holderOf("one"));

        store.delete("a");
        assertFalse(Files.exists(dir.resolve("a")));
        assertEquals(Optional.empty(), store.holderOf("one"));
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "no temp file either");
        }
    }

    @Test
    void aWriteAheadRecordIsReadBackAndTheSaveAfterItReplacesIt() throws Exception {
        RecordStore<Item> store = store();
        store.reserve(new Item("a", "one", false));
        store.saveAhead(new Item("a", "one", false));
        assertEquals(List.of(new Item("a", "one", false)), store().load(), "a restarted process reads it");
        store.save(new Item("a", "one", true));
        assertEquals(List.of(new Item("a", "one", true)), store().load());
        try (var left = Files.list(dir.resolve("a"))) {
            assertEquals(1, left.count(), "no temp file");
        }
    }

    @Test
    void anEmptyRecordAsANodeCrashLeavesAWriteAheadRecordIsNoRecord() throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.writeString(dir.resolve("a/item.json"), "");
        assertEquals(List.of(), store().load());
    }

    @Test
    void aChangeReplacesTheRecordAndAFirstChangeWritesIt() throws Exception {
        RecordStore<Item> store = store();
        store.saveChange(new Item("a", "one", false));
        assertEquals(List.of(new Item("a", "one", false)), store().load(), "no record yet: saved in full");
        store.saveChange(new Item("a", "one", true));
        assertEquals(List.of(new Item("a", "one", true)), store().load());
        assertEquals(Optional.of(new Item("a", "one", true)), store.get("a"));
        try (var files = Files.list(dir.resolve("a"))) {
            assertEquals(
                    List.of("item.json"),
                    files.map(f -> f.getFileName().toString()).toList(),
                    "no temp file");
        }
    }

    @Test
    void aTakenNameNamesItsHolder() throws Exception {
        RecordStore<Item> store = store();
        store.reserve(new Item("a", "one", false));
        RecordStore.NameTakenException taken =
                assertThrows(RecordStore.NameTakenException.class, () -> store.reserve(new Item("b", "one", false)));
        assertEquals("a", taken.holderId());
        assertTrue(taken.getMessage().contains("a"));
    }

    @Test
    void aRetryWaitsForTheFirstCreateAndGetsItsObjectOnlyWhileUnanswered() throws Exception {
        RecordStore<Item> store = store();
        CreateRetries retries = new CreateRetries();
        ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
        ReentrantLock first = locks.computeIfAbsent("a", k -> new ReentrantLock());
        first.lock();
        // The caller's own lock is released only when its name was not reserved.
        java.util.concurrent.atomic.AtomicInteger released = new java.util.concurrent.atomic.AtomicInteger();
        assertEquals(
                Optional.empty(),
                retries.reserve(
                        store,
                        new Item("a", "one", false),
                        id -> locks.computeIfAbsent(id, k -> new ReentrantLock()),
                        held -> true,
                        released::incrementAndGet));
        assertEquals(0, released.get());

        // The retry blocks while the first create holds its lock, then gets what it made.
        CompletableFuture<Optional<Item>> retry = CompletableFuture.supplyAsync(() -> {
            try {
                return retries.reserve(
                        store,
                        new Item("b", "one", false),
                        id -> locks.computeIfAbsent(id, k -> new ReentrantLock()),
                        held -> true,
                        released::incrementAndGet);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertFalse(retry.isDone());
        retries.unanswered("a");
        first.unlock();
        assertEquals(Optional.of(new Item("a", "one", false)), retry.get(10, TimeUnit.SECONDS));
        assertEquals(1, released.get());

        // Once the client got the answer, the same name again is a duplicate.
        retries.answered("a");
        assertThrows(
                RecordStore.NameTakenException.class,
                () -> retries.reserve(
                        store,
                        new Item("c", "one", false),
                        id -> locks.computeIfAbsent(id, k -> new ReentrantLock()),
                        held -> true,
                        released::incrementAndGet));
        assertEquals(2, released.get());
    }

    @Test
    void aRetryAfterAnUndoneCreateTakesTheFreedName() throws Exception {
        RecordStore<Item> store = store();
        CreateRetries retries = new CreateRetries();
        ReentrantLock lock = new ReentrantLock();
        retries.reserve(store, new Item("a", "one", false), id -> lock, held -> true, () -> {});
        store.delete("a");
        assertEquals(
                Optional.empty(),
                retries.reserve(store, new Item("b", "one", false), id -> lock, held -> true, () -> {}));
        assertEquals(Optional.of("b"), store.holderOf("one"));
    }
}
