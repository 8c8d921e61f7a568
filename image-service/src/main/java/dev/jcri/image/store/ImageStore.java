package dev.jcri.image.store;

import dev.jcri.image.Digest;
import dev.jcri.image.ImageReference;
import dev.jcri.image.InvalidReferenceException;
import dev.jcri.linux.AtomicFile;
import dev.jcri.linux.FileTree;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The content-addressed image store under {@code <root>/storage}:
 *
 * <pre>
 * blobs/sha256/HEX          manifests, indexes and configs, verified before they are written
 * layers/CHAIN-HEX/diff     an unpacked layer (an overlay lower dir); layer.json beside it
 * images/ID-HEX.json        an image record: the image is visible exactly when this file exists
 * tmp/                      work in progress; emptied at every open
 * </pre>
 *
 * <p>Every publication is a rename of something complete into place, and an image record is written only after
 * all its layers are published, so {@code kill -9} at any moment leaves either no image or a whole one. Layers
 * that no image references and nobody pins are garbage.
 *
 * <p>The image record is the commit point for a crash of the node too: layers and blobs are renamed into place
 * without fsync, and {@link #commit} makes those the record names durable (one parallel batch of fsyncs) before
 * the record's rename. What a node crash leaves unreferenced, {@link #open} collects.
 */
public final class ImageStore {
    private static final Logger log = LoggerFactory.getLogger(ImageStore.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern HEX_ID = Pattern.compile("(sha256:)?([0-9a-f]{64})");
    private static final Pattern HEX_PREFIX = Pattern.compile("[0-9a-f]{3,63}");

    private final Path root;
    private final Path blobs;
    private final Path layers;
    private final Path images;
    private final Path tmp;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ImageRecord> byId = new LinkedHashMap<>();
    /**
     * {@link #byId} as it stands whenever the lock is free: what {@link #find} and {@link #list} read, without the
     * lock, which pulls and removals hold across fsyncs. Replaced (never changed) before every release of the lock
     * that follows a change, so a reader sees the same states as one under the lock would: never a tag on two
     * images in the middle of a move.
     */
    private volatile Map<String, ImageRecord> published = Map.of();
    /** Layers held by someone other than an image: a pull in progress, a container's rootfs. */
    private final Map<String, Set<String>> pins = new HashMap<>();
    /** Images in use as a whole, by owner (a container mounting them as image volumes): RemoveImage refuses them. */
    private final Map<String, Set<String>> holds = new HashMap<>();
    /** Work dirs under tmp/ handed out and not yet published or released: what the leftover sweep spares. */
    private final Set<Path> workDirs = ConcurrentHashMap.newKeySet();
    /**
     * Layer dirs and blob files renamed into place and not yet made durable by a commit (guarded by the lock): a
     * commit that names one syncs it, whichever pull wrote it.
     */
    private final Set<Path> unsynced = new HashSet<>();

    private ImageStore(Path root) {
        this.root = root;
        this.blobs = root.resolve("blobs/sha256");
        this.layers = root.resolve("layers");
        this.images = root.resolve("images");
        this.tmp = root.resolve("tmp");
    }

    /** Opens the store, finishing what a crash interrupted: leftovers removed, broken images dropped. */
    public static ImageStore open(Path root) throws IOException {
        ImageStore store = new ImageStore(root);
        for (Path dir : List.of(store.blobs, store.layers, store.images, store.tmp)) {
            Files.createDirectories(dir);
        }
        FileTree.delete(store.tmp);
        Files.createDirectories(store.tmp);
        // Temp files of atomic writes a crash interrupted.
        for (Path dir : List.of(store.images, store.blobs)) {
            try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, ".*")) {
                for (Path leftover : leftovers) {
                    Files.deleteIfExists(leftover);
                }
            }
        }
        store.load();
        store.collectGarbage();
        return store;
    }

    public Path root() {
        return root;
    }

    private void load() throws IOException {
        List<ImageRecord> records = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(images, "*.json")) {
            for (Path file : files) {
                try {
                    records.add(JSON.readValue(file.toFile(), ImageRecord.class));
                } catch (RuntimeException e) {
                    log.warn("dropping unreadable image record file={} error=\"{}\"", file, e.getMessage());
                    Files.deleteIfExists(file);
                }
            }
        }
        // Newest first, so a tag two records claim (a crash between moving it and rewriting the loser) stays with
        // the image that took it last.
        records.sort(Comparator.comparingLong(ImageRecord::updated).reversed());
        Set<String> tagsTaken = new HashSet<>();
        for (ImageRecord record : records) {
            List<String> missing =
                    record.layers().stream().filter(l -> !hasLayer(l)).toList();
            if (!missing.isEmpty()) {
                log.warn("dropping image with missing layers id={} layers={}", record.id(), missing);
                Files.deleteIfExists(recordFile(record.id()));
                continue;
            }
            List<String> tags =
                    record.repoTags().stream().filter(tagsTaken::add).toList();
            if (tags.size() != record.repoTags().size()) {
                record = record.withNames(tags, record.repoDigests(), record.updated());
                writeRecord(record);
            }
            byId.put(record.id(), record);
        }
        publish();
    }

    private void publish() {
        published = Collections.unmodifiableMap(new LinkedHashMap<>(byId));
    }

    /** Finds an image by ID, unique ID prefix, or reference (tag or digest), as ImageStatus and RemoveImage do. */
    public Optional<ImageRecord> find(String spec) {
        Map<String, ImageRecord> byId = published;
        var idMatch = HEX_ID.matcher(spec);
        if (idMatch.matches()) {
            ImageRecord record = byId.get("sha256:" + idMatch.group(2));
            if (record != null) {
                return Optional.of(record);
            }
        }
        Optional<ImageRecord> byReference = findByReference(byId, spec);
        if (byReference.isPresent()) {
            return byReference;
        }
        if (HEX_PREFIX.matcher(spec).matches()) {
            List<ImageRecord> matches = byId.values().stream()
                    .filter(r -> r.idHex().startsWith(spec))
                    .toList();
            if (matches.size() == 1) {
                return Optional.of(matches.getFirst());
            }
        }
        return Optional.empty();
    }

    private static Optional<ImageRecord> findByReference(Map<String, ImageRecord> byId, String spec) {
        ImageReference reference;
        try {
            reference = ImageReference.parse(spec);
        } catch (InvalidReferenceException e) {
            return Optional.empty();
        }
        String name = reference.name();
        if (reference.digest() != null) {
            String repoDigest = name + "@" + reference.digest();
            return byId.values().stream()
                    .filter(r -> r.repoDigests().contains(repoDigest))
                    .findFirst();
        }
        String repoTag = name + ":" + reference.tag();
        return byId.values().stream()
                .filter(r -> r.repoTags().contains(repoTag))
                .findFirst();
    }

    public List<ImageRecord> list() {
        return List.copyOf(published.values());
    }

    public boolean hasLayer(String chainId) {
        return Files.isRegularFile(layerDir(chainId).resolve("layer.json"));
    }

    /** The overlay lower dir of a published layer. */
    public Path layerDiff(String chainId) {
        return layerDir(chainId).resolve("diff");
    }

    private Path layerDir(String chainId) {
        return layers.resolve(ChainId.hex(chainId));
    }

    /** A fresh directory under tmp/ for work that is published by rename, or discarded. */
    public Path newWorkDir() throws IOException {
        Path dir = tmp.resolve(UUID.randomUUID().toString());
        // Registered before it exists, so a sweep never sees it unclaimed.
        workDirs.add(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            workDirs.remove(dir);
            throw e;
        }
        return dir;
    }

    /** Deletes a work dir that will not be published (a failed or cancelled download). */
    public void releaseWorkDir(Path dir) throws IOException {
        try {
            FileTree.delete(dir);
        } finally {
            workDirs.remove(dir);
        }
    }

    /**
     * Removes what no work in progress and no image owns: entries of tmp/ that are neither a work dir handed out
     * nor a grave being deleted, temp files of atomic writes that a failure left in images/ and blobs/, then the
     * layers and blobs no image references and nobody pins. Returns what it removed from tmp/, images/ and blobs/.
     */
    public List<Path> sweepLeftovers() throws IOException {
        List<Path> removed = new ArrayList<>();
        lock.lock();
        try {
            // Graves and atomic-write temps are made and removed under this lock, so any seen here are leftovers.
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp)) {
                for (Path entry : entries) {
                    if (!workDirs.contains(entry)) {
                        FileTree.delete(entry);
                        removed.add(entry);
                    }
                }
            }
            for (Path dir : List.of(images, blobs)) {
                try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, ".*")) {
                    for (Path leftover : leftovers) {
                        Files.deleteIfExists(leftover);
                        removed.add(leftover);
                    }
                }
            }
            collectGarbage();
        } finally {
            lock.unlock();
        }
        return removed;
    }

    /**
     * Publishes an unpacked layer: {@code workDir} holds {@code diff/}; it is renamed into place. When another
     * pull published the same layer first, this copy is discarded. Nothing is fsynced here: until an image record
     * names the layer it is garbage after a node crash, and {@link #commit} syncs it before such a record.
     */
    public void publishLayer(Path workDir, LayerRecord record) throws IOException {
        AtomicFile.replaceUnsynced(workDir.resolve("layer.json"), JSON.writeValueAsBytes(record), "rw-------");
        Path target = layerDir(record.chainId());
        lock.lock();
        try {
            if (hasLayer(record.chainId())) {
                discard(workDir);
                return;
            }
            // A leftover without layer.json cannot be trusted; it is not one of ours in progress (those are in tmp).
            if (Files.exists(target)) {
                discard(target);
            }
            Files.move(workDir, target, StandardCopyOption.ATOMIC_MOVE);
            unsynced.add(target);
        } finally {
            workDirs.remove(workDir);
            lock.unlock();
        }
    }

    /** Stores a verified blob; nothing names it until a record does, so garbage collection may take it. */
    public void putBlob(Digest digest, byte[] content) throws IOException {
        lock.lock();
        try {
            Path file = blobs.resolve(digest.hex());
            if (!Files.exists(file)) {
                AtomicFile.write(file, content, "rw-------");
            }
        } finally {
            lock.unlock();
        }
    }

    public Optional<byte[]> readBlob(String digest) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(blobs.resolve(ChainId.hex(digest))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Makes an image visible with the given names, moving a tag from whichever image held it before. Every layer
     * must already be published.
     */
    public ImageRecord commit(ImageRecord pulled, String repoTag, String repoDigest) throws IOException {
        return commit(pulled, repoTag, repoDigest, Map.of());
    }

    /** As {@link #commit(ImageRecord, String, String)}, storing the image's manifest and config blobs with it. */
    public ImageRecord commit(ImageRecord pulled, String repoTag, String repoDigest, Map<Digest, byte[]> blobs)
            throws IOException {
        lock.lock();
        try {
            // What the record names must be durable before it is: one batch of fsyncs, in parallel with the
            // record's own, instead of an fsync after each write.
            List<Path> synced = new ArrayList<>();
            // Under the lock, so a concurrent garbage collection cannot take them before the record names them.
            for (Map.Entry<Digest, byte[]> blob : blobs.entrySet()) {
                Path file = this.blobs.resolve(blob.getKey().hex());
                if (!Files.exists(file)) {
                    AtomicFile.replaceUnsynced(file, blob.getValue(), "rw-------");
                    unsynced.add(file);
                }
                if (unsynced.contains(file)) {
                    synced.add(file);
                }
            }
            for (String layer : pulled.layers()) {
                if (!hasLayer(layer)) {
                    throw new IOException("layer " + layer + " of image " + pulled.id() + " is not in the store");
                }
                if (unsynced.contains(layerDir(layer))) {
                    synced.add(layerDir(layer));
                }
            }
            List<Path> durableFirst = new ArrayList<>();
            for (Path path : synced) {
                if (path.startsWith(layers)) {
                    // layer.json's content and the dir's entries (layer.json, diff); the diff's files are not
                    // fsynced (nor were they before this batch).
                    durableFirst.add(path.resolve("layer.json"));
                }
                durableFirst.add(path);
            }
            if (synced.stream().anyMatch(p -> p.startsWith(this.blobs))) {
                durableFirst.add(this.blobs);
            }
            if (synced.stream().anyMatch(p -> p.startsWith(layers))) {
                durableFirst.add(layers);
            }
            long now = System.currentTimeMillis() * 1_000_000L;
            ImageRecord existing = byId.get(pulled.id());
            List<String> tags = new ArrayList<>(existing != null ? existing.repoTags() : List.of());
            List<String> digests = new ArrayList<>(existing != null ? existing.repoDigests() : List.of());
            if (repoTag != null && !tags.contains(repoTag)) {
                tags.add(repoTag);
            }
            if (repoDigest != null && !digests.contains(repoDigest)) {
                digests.add(repoDigest);
            }
            ImageRecord record = (existing != null ? existing : pulled).withNames(tags, digests, now);
            AtomicFile.writeAfter(recordFile(record.id()), JSON.writeValueAsBytes(record), "rw-------", durableFirst);
            synced.forEach(unsynced::remove);
            byId.put(record.id(), record);
            if (repoTag != null) {
                for (ImageRecord other : List.copyOf(byId.values())) {
                    if (!other.id().equals(record.id()) && other.repoTags().contains(repoTag)) {
                        List<String> remaining = new ArrayList<>(other.repoTags());
                        remaining.remove(repoTag);
                        ImageRecord untagged = other.withNames(remaining, other.repoDigests(), now);
                        writeRecord(untagged);
                        byId.put(untagged.id(), untagged);
                        log.info("tag moved tag={} from={} to={}", repoTag, other.id(), record.id());
                    }
                }
            }
            return record;
        } finally {
            publish();
            lock.unlock();
        }
    }

    /**
     * Removes what {@code spec} names: by tag, that tag (and the image when it was its last tag); by ID or digest,
     * the image with all its names. Returns the removed image's ID when an image went away.
     */
    public Optional<String> remove(String spec) throws IOException {
        lock.lock();
        try {
            ImageRecord record = find(spec).orElse(null);
            if (record == null) {
                return Optional.empty();
            }
            String tag = tagNamedBy(spec, record);
            if (tag != null && record.repoTags().size() > 1) {
                List<String> remaining = new ArrayList<>(record.repoTags());
                remaining.remove(tag);
                ImageRecord untagged =
                        record.withNames(remaining, record.repoDigests(), System.currentTimeMillis() * 1_000_000L);
                writeRecord(untagged);
                byId.put(untagged.id(), untagged);
                log.info("image untagged id={} tag={}", record.id(), tag);
                return Optional.empty();
            }
            List<String> holders = holds.entrySet().stream()
                    .filter(e -> e.getValue().contains(record.id()))
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
            if (!holders.isEmpty()) {
                throw new IllegalStateException("image " + record.id() + " is in use as an image volume by " + holders
                        + "; remove those first");
            }
            Files.deleteIfExists(recordFile(record.id()));
            AtomicFile.syncDirectory(images);
            byId.remove(record.id());
            log.info("image removed id={} tags={}", record.id(), record.repoTags());
            collectGarbage();
            return Optional.of(record.id());
        } finally {
            publish();
            lock.unlock();
        }
    }

    private static String tagNamedBy(String spec, ImageRecord record) {
        if (HEX_ID.matcher(spec).matches()
                || HEX_PREFIX.matcher(spec).matches()
                        && spec.length() < 64
                        && record.idHex().startsWith(spec)) {
            return null;
        }
        try {
            ImageReference reference = ImageReference.parse(spec);
            if (reference.digest() != null) {
                return null;
            }
            return reference.name() + ":" + reference.tag();
        } catch (InvalidReferenceException e) {
            return null;
        }
    }

    /** Keeps layers from garbage collection on behalf of {@code owner} (a pull, a container). */
    public void pin(String owner, Collection<String> chainIds) {
        lock.lock();
        try {
            pins.computeIfAbsent(owner, o -> new HashSet<>()).addAll(chainIds);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Keeps whole images (by ID) on behalf of {@code owner}: {@link #remove} refuses to delete them until
     * {@link #unpin} releases the owner. Their layers need a {@link #pin} of their own.
     */
    public void hold(String owner, Collection<String> imageIds) {
        lock.lock();
        try {
            holds.computeIfAbsent(owner, o -> new HashSet<>()).addAll(imageIds);
        } finally {
            lock.unlock();
        }
    }

    /** Releases the owner's pinned layers and held images. */
    public void unpin(String owner) {
        lock.lock();
        try {
            pins.remove(owner);
            holds.remove(owner);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes layers and blobs that no image references and nobody pins. */
    public void collectGarbage() throws IOException {
        lock.lock();
        try {
            Set<String> liveLayers = new HashSet<>();
            Set<String> liveBlobs = new HashSet<>();
            for (ImageRecord record : byId.values()) {
                record.layers().forEach(l -> liveLayers.add(ChainId.hex(l)));
                liveBlobs.add(record.idHex());
                liveBlobs.add(ChainId.hex(record.manifestDigest()));
                record.repoDigests().forEach(d -> liveBlobs.add(ChainId.hex(d.substring(d.indexOf('@') + 1))));
            }
            pins.values().forEach(set -> set.forEach(l -> liveLayers.add(ChainId.hex(l))));
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(layers)) {
                for (Path dir : dirs) {
                    if (!liveLayers.contains(dir.getFileName().toString())) {
                        unsynced.remove(dir);
                        discard(dir);
                        log.debug("layer removed chain_id=sha256:{}", dir.getFileName());
                    }
                }
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(blobs)) {
                for (Path file : files) {
                    if (!liveBlobs.contains(file.getFileName().toString())) {
                        unsynced.remove(file);
                        Files.deleteIfExists(file);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    public StoreUsage usage() throws IOException {
        return StoreUsage.measure(root);
    }

    private Path recordFile(String id) {
        return images.resolve(ChainId.hex(id) + ".json");
    }

    private void writeRecord(ImageRecord record) throws IOException {
        AtomicFile.write(recordFile(record.id()), JSON.writeValueAsBytes(record), "rw-------");
    }

    /** Renames a tree into tmp/ first, so a crash mid-delete never leaves half a layer under its real name. */
    private void discard(Path dir) throws IOException {
        Path grave = tmp.resolve("gone-" + UUID.randomUUID());
        Files.move(dir, grave, StandardCopyOption.ATOMIC_MOVE);
        FileTree.delete(grave);
    }
}
