package dev.jcri.sandbox.pod;

import dev.jcri.linux.AtomicFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sandbox records on disk ({@code <dir>/<id>/sandbox.json}, written atomically) and in memory, with the name index
 * that keeps names unique among sandboxes. Callers serialize changes to one sandbox; the store itself is
 * thread-safe.
 */
public final class SandboxStore {
    private static final Logger log = LoggerFactory.getLogger(SandboxStore.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String RECORD = "sandbox.json";

    private final Path dir;
    private final Map<String, SandboxRecord> byId = new LinkedHashMap<>();
    private final Map<String, String> idByName = new LinkedHashMap<>();

    public SandboxStore(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    /** Reads every record; an unreadable one is logged and left for the operator, not deleted. */
    public synchronized List<SandboxRecord> load() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                Path file = entry.resolve(RECORD);
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                try {
                    SandboxRecord record = JSON.readValue(file.toFile(), SandboxRecord.class);
                    byId.put(record.id(), record);
                    idByName.put(record.name(), record.id());
                } catch (RuntimeException e) {
                    log.error("unreadable sandbox record file={} error=\"{}\"", file, e.getMessage());
                }
            }
        }
        return List.copyOf(byId.values());
    }

    public Path sandboxDir(String id) {
        return dir.resolve(id);
    }

    /** Takes {@code record}'s name; fails naming the sandbox that holds it. */
    public synchronized void reserve(SandboxRecord record) {
        String holder = idByName.get(record.name());
        if (holder != null) {
            throw new NameTakenException("sandbox name " + record.name() + " is already taken by sandbox " + holder);
        }
        idByName.put(record.name(), record.id());
        byId.put(record.id(), record);
    }

    public synchronized void save(SandboxRecord record) throws IOException {
        Path file = sandboxDir(record.id()).resolve(RECORD);
        Files.createDirectories(file.getParent());
        AtomicFile.write(file, JSON.writeValueAsBytes(record), "rw-------");
        byId.put(record.id(), record);
    }

    /** Forgets the sandbox and deletes its directory (its files, which nothing mounts any more). */
    public synchronized void delete(String id) throws IOException {
        SandboxRecord record = byId.remove(id);
        if (record != null) {
            idByName.remove(record.name(), id);
        }
        Path sandbox = sandboxDir(id);
        if (Files.exists(sandbox)) {
            try (var walk = Files.walk(sandbox)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    public synchronized Optional<SandboxRecord> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** By full ID or unique ID prefix, as every ID-taking RPC accepts. */
    public synchronized Optional<SandboxRecord> find(String idOrPrefix) {
        if (idOrPrefix.isEmpty()) {
            return Optional.empty();
        }
        SandboxRecord exact = byId.get(idOrPrefix);
        if (exact != null) {
            return Optional.of(exact);
        }
        List<SandboxRecord> matches = new ArrayList<>();
        for (SandboxRecord record : byId.values()) {
            if (record.id().startsWith(idOrPrefix)) {
                matches.add(record);
            }
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("sandbox ID prefix " + idOrPrefix + " is ambiguous: it matches "
                    + matches.size() + " sandboxes");
        }
        return matches.stream().findFirst();
    }

    public synchronized List<SandboxRecord> list() {
        return List.copyOf(byId.values());
    }

    /** A second sandbox with a name in use: the CRI's ALREADY_EXISTS case. */
    public static final class NameTakenException extends IllegalStateException {
        public NameTakenException(String message) {
            super(message);
        }
    }
}
