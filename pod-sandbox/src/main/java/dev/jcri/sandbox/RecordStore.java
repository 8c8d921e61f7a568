package dev.jcri.sandbox;

import dev.jcri.linux.AtomicFile;
import dev.jcri.linux.FileTree;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records of one kind (sandboxes, containers) on disk, one directory each ({@code <dir>/<id>/<file>}, written
 * atomically), and in memory, with the name index that keeps names unique. Thread-safe; callers serialize the
 * changes to any one object (their per-object locks), so the disk work of {@link #save} and {@link #delete} runs
 * outside this store's monitor and one object's slow removal never holds up the others or a List.
 */
public final class RecordStore<T> {
    private static final Logger log = LoggerFactory.getLogger(RecordStore.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path dir;
    private final String file;
    private final Class<T> type;
    private final Function<T, String> idOf;
    private final Function<T, String> nameOf;
    private final String kind;
    private final Map<String, T> byId = new LinkedHashMap<>();
    private final Map<String, String> idByName = new LinkedHashMap<>();
    /** Record dirs {@link #saveAhead} made, whose entry in the parent the next {@link #save} makes durable. */
    private final Set<Path> unsyncedDirs = ConcurrentHashMap.newKeySet();

    /** @param kind what the records are, for messages ("sandbox", "container") */
    public RecordStore(
            Path dir, String file, Class<T> type, Function<T, String> idOf, Function<T, String> nameOf, String kind)
            throws IOException {
        this.dir = dir;
        this.file = file;
        this.type = type;
        this.idOf = idOf;
        this.nameOf = nameOf;
        this.kind = kind;
        Files.createDirectories(dir);
    }

    /**
     * Reads every record; an unreadable one is logged and left for the operator, not deleted. An empty one is no
     * record (see {@link #saveAhead}).
     */
    public synchronized List<T> load() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                Path path = entry.resolve(file);
                if (!Files.isRegularFile(path)) {
                    continue;
                }
                if (Files.size(path) == 0) {
                    // Only a write-ahead record (saveAhead) a node crash cut short: its object was never answered,
                    // and the orphan sweep removes what it left.
                    log.warn("empty {} record, left by a crash of the node file={}", kind, path);
                    continue;
                }
                try {
                    T record = JSON.readValue(path.toFile(), type);
                    byId.put(idOf.apply(record), record);
                    idByName.put(nameOf.apply(record), idOf.apply(record));
                } catch (RuntimeException e) {
                    log.error("unreadable {} record file={} error=\"{}\"", kind, path, e.getMessage());
                }
            }
        }
        return List.copyOf(byId.values());
    }

    public Path dirOf(String id) {
        return dir.resolve(id);
    }

    /** Takes the record's name; fails naming the holder. */
    public synchronized void reserve(T record) {
        String holder = idByName.get(nameOf.apply(record));
        if (holder != null) {
            throw new NameTakenException(
                    kind + " name " + nameOf.apply(record) + " is already taken by " + kind + " " + holder, holder);
        }
        idByName.put(nameOf.apply(record), idOf.apply(record));
        byId.put(idOf.apply(record), record);
    }

    /**
     * Writes the record atomically and durably (the file through {@link AtomicFile}, a new record directory
     * through an fsync of the parent), so that after a crash it is either the previous version or this one.
     */
    public void save(T record) throws IOException {
        Path recordDir = dirOf(idOf.apply(record));
        if (!Files.isDirectory(recordDir)) {
            Files.createDirectories(recordDir);
            AtomicFile.syncDirectory(dir);
        } else if (unsyncedDirs.remove(recordDir)) {
            AtomicFile.syncDirectory(dir);
        }
        AtomicFile.write(recordDir.resolve(file), JSON.writeValueAsBytes(record), "rw-------");
        synchronized (this) {
            byId.put(idOf.apply(record), record);
        }
    }

    /**
     * A create's write-ahead record, without any fsync: atomic for readers and for a restarted jcri (the page cache
     * survives a kill -9), but a crash of the node may lose it, or leave it empty. Only for records whose loss the
     * orphan sweep makes up for: what a half-made object leaves after a reboot is its record dir, which the sweep
     * removes when no readable record owns it (docs/architecture.md, "Records, crashes and retries"). The
     * {@link #save} that follows makes the record and its directory durable.
     */
    public void saveAhead(T record) throws IOException {
        Path recordDir = dirOf(idOf.apply(record));
        if (!Files.isDirectory(recordDir)) {
            Files.createDirectories(recordDir);
            unsyncedDirs.add(recordDir);
        }
        AtomicFile.replaceUnsynced(recordDir.resolve(file), JSON.writeValueAsBytes(record), "rw-------");
        synchronized (this) {
            byId.put(idOf.apply(record), record);
        }
    }

    /**
     * As {@link #save}, for a record already on disk, without the fsync of its directory: after a crash of the node
     * the record may read as its previous version, never as a torn one. Only for changes that the next start
     * settles the same way from the previous version (docs/architecture.md, "Records, crashes and retries").
     */
    public void saveChange(T record) throws IOException {
        Path path = dirOf(idOf.apply(record)).resolve(file);
        if (!Files.isRegularFile(path)) {
            save(record);
            return;
        }
        AtomicFile.replace(path, JSON.writeValueAsBytes(record), "rw-------");
        synchronized (this) {
            byId.put(idOf.apply(record), record);
        }
    }

    /**
     * Forgets the record and deletes its directory (whose files nothing mounts any more). The record file goes
     * last: a crash in the middle leaves the record, so the next start finishes the removal, never files no
     * record names.
     *
     * <p>No fsync of the parent: callers delete only records saved durably as {@code removing} or still
     * {@code CREATING}, both of which the next start removes again. A deletion a power loss undoes therefore
     * comes back as a removal to finish (docs/architecture.md, "Records and crash safety").
     */
    public void delete(String id) throws IOException {
        synchronized (this) {
            T record = byId.remove(id);
            if (record != null) {
                idByName.remove(nameOf.apply(record), id);
            }
        }
        Path recordDir = dirOf(id);
        unsyncedDirs.remove(recordDir);
        if (Files.isDirectory(recordDir)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(recordDir)) {
                for (Path entry : entries) {
                    if (!entry.getFileName().toString().equals(file)) {
                        FileTree.delete(entry);
                    }
                }
            }
        }
        FileTree.delete(recordDir);
    }

    /** The ID of the record holding {@code name}, if any. */
    public synchronized Optional<String> holderOf(String name) {
        return Optional.ofNullable(idByName.get(name));
    }

    public synchronized Optional<T> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** By full ID or unique ID prefix, as every ID-taking RPC accepts; an ambiguous prefix is an error. */
    public synchronized Optional<T> find(String idOrPrefix) {
        if (idOrPrefix.isEmpty()) {
            return Optional.empty();
        }
        T exact = byId.get(idOrPrefix);
        if (exact != null) {
            return Optional.of(exact);
        }
        List<T> matches = new ArrayList<>();
        for (Map.Entry<String, T> entry : byId.entrySet()) {
            if (entry.getKey().startsWith(idOrPrefix)) {
                matches.add(entry.getValue());
            }
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException(kind + " ID prefix " + idOrPrefix + " is ambiguous: it matches "
                    + matches.size() + " " + kind + "s");
        }
        return matches.stream().findFirst();
    }

    public synchronized List<T> list() {
        return List.copyOf(byId.values());
    }

    /** A second object with a name in use: the CRI's ALREADY_EXISTS case. */
    public static final class NameTakenException extends IllegalStateException {
        private final String holderId;

        public NameTakenException(String message, String holderId) {
            super(message);
            this.holderId = holderId;
        }

        /** The ID of the object that has the name. */
        public String holderId() {
            return holderId;
        }
    }
}
