package dev.jcri.image.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.image.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ImageStoreTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ImageConfigSummary CONFIG = new ImageConfigSummary(
            "nobody",
            List.of("PATH=/bin"),
            List.of("/entry"),
            List.of("run"),
            "/work",
            "SIGTERM",
            Map.of("a", "b"),
            List.of("/data"),
            List.of("80/tcp"),
            "2024-01-01T00:00:00Z",
            "linux",
            "amd64");

    @TempDir
    Path temp;

    private Path root;
    private ImageStore store;

    @BeforeEach
    void open() throws IOException {
        root = temp.resolve("storage");
        store = ImageStore.open(root);
    }

    // ---- commit and find ----

    @Test
    void aCommittedImageIsFoundByIdPrefixTagAndRepoDigest() throws IOException {
        List<String> chain = publishChain("base", "app");
        ImageRecord pulled = pulledImage("config-app", chain);
        String repoDigest = "127.0.0.1:5000/ns/app@" + pulled.manifestDigest();
        putBlobs(pulled);

        ImageRecord committed = store.commit(pulled, "127.0.0.1:5000/ns/app:v1", repoDigest);

        assertEquals(List.of("127.0.0.1:5000/ns/app:v1"), committed.repoTags());
        assertEquals(List.of(repoDigest), committed.repoDigests());
        assertEquals(chain, committed.layers());
        assertEquals(CONFIG, committed.config());
        assertTrue(committed.updated() > 0, "commit stamps the record");
        String id = pulled.id();
        assertEquals(Optional.of(committed), store.find(id));
        assertEquals(Optional.of(committed), store.find(pulled.idHex()));
        assertEquals(Optional.of(committed), store.find(pulled.idHex().substring(0, 12)));
        assertEquals(Optional.of(committed), store.find(pulled.idHex().substring(0, 3)));
        assertEquals(Optional.of(committed), store.find("127.0.0.1:5000/ns/app:v1"));
        assertEquals(Optional.of(committed), store.find(repoDigest));
        assertEquals(List.of(committed), store.list());

        assertEquals(Optional.empty(), store.find("127.0.0.1:5000/ns/app:v2"));
        assertEquals(Optional.empty(), store.find("127.0.0.1:5000/ns/other:v1"));
        assertEquals(Optional.empty(), store.find("127.0.0.1:5000/ns/app@" + digestOf("other manifest")));
        assertEquals(Optional.empty(), store.find(pulled.idHex().substring(0, 2)), "too short for a prefix");
        assertEquals(Optional.empty(), store.find(digestOf("no such image")));
        assertEquals(Optional.empty(), store.find("NOT A REFERENCE!"));

        ImageStore reopened = ImageStore.open(root);
        assertEquals(Optional.of(committed), reopened.find("127.0.0.1:5000/ns/app:v1"));
        assertTrue(reopened.hasLayer(chain.get(0)) && reopened.hasLayer(chain.get(1)));
        assertTrue(reopened.readBlob(id).isPresent(), "the config blob survives reopening");
        assertTrue(reopened.readBlob(pulled.manifestDigest()).isPresent(), "so does the manifest");
    }

    @Test
    void dockerHubTagsAreFoundByShortName() throws IOException {
        ImageRecord pulled = pulledImage("busybox", publishChain("busybox-layer"));

        store.commit(pulled, "docker.io/library/busybox:latest", null);

        assertEquals(pulled.id(), store.find("busybox").orElseThrow().id());
        assertEquals(
                pulled.id(),
                store.find("docker.io/library/busybox").orElseThrow().id());
        assertEquals(
                pulled.id(),
                store.find("index.docker.io/library/busybox:latest")
                        .orElseThrow()
                        .id());
    }

    @Test
    void anAmbiguousIdPrefixFindsNothing() throws IOException {
        List<String> chain = publishChain("shared");
        // Two configs whose IDs share their first three hex digits.
        Map<String, String> byPrefix = new HashMap<>();
        String first = null;
        String second = null;
        for (int i = 0; first == null; i++) {
            String config = "config-" + i;
            String previous = byPrefix.putIfAbsent(ChainId.hex(digestOf(config)).substring(0, 3), config);
            if (previous != null) {
                first = previous;
                second = config;
            }
        }
        ImageRecord a = store.commit(pulledImage(first, chain), null, null);
        ImageRecord b = store.commit(pulledImage(second, chain), null, null);
        String common = a.idHex().substring(0, 3);
        assertEquals(common, b.idHex().substring(0, 3));

        assertEquals(Optional.empty(), store.find(common));
        int distinct = 3;
        while (a.idHex().charAt(distinct - 1) == b.idHex().charAt(distinct - 1)) {
            distinct++;
        }
        assertEquals(
                a.id(),
                store.find(a.idHex().substring(0, distinct)).orElseThrow().id());
        assertEquals(
                b.id(),
                store.find(b.idHex().substring(0, distinct)).orElseThrow().id());
    }

    @Test
    void commitRefusesAnImageWhoseLayersAreNotPublished() throws IOException {
        List<String> chain = ChainId.of(List.of(digestOf("never published")));

        IOException e = assertThrows(
                IOException.class,
                () -> store.commit(pulledImage("orphan", chain), "docker.io/library/orphan:latest", null));

        assertTrue(e.getMessage().contains(chain.getFirst()), e.getMessage());
        assertTrue(store.list().isEmpty());
        try (Stream<Path> records = Files.list(root.resolve("images"))) {
            assertEquals(0, records.count(), "no record is written");
        }
    }

    @Test
    void committingAnotherImageWithTheSameTagMovesTheTag() throws IOException {
        String tag = "127.0.0.1:5000/ns/app:latest";
        ImageRecord older = store.commit(pulledImage("v1", publishChain("v1-layer")), tag, null);
        ImageRecord newer = store.commit(pulledImage("v2", publishChain("v2-layer")), tag, null);

        assertEquals(newer.id(), store.find(tag).orElseThrow().id());
        assertEquals(List.of(), store.find(older.id()).orElseThrow().repoTags(), "the old image stays, untagged");
        assertEquals(List.of(tag), store.find(newer.id()).orElseThrow().repoTags());

        ImageStore reopened = ImageStore.open(root);
        assertEquals(newer.id(), reopened.find(tag).orElseThrow().id());
        assertEquals(List.of(), reopened.find(older.id()).orElseThrow().repoTags());
        assertEquals(List.of(), recordOnDisk(older.id()).repoTags(), "the loser's record file is rewritten");
    }

    @Test
    void recommittingTheSameImageAddsNamesWithoutDuplicates() throws IOException {
        ImageRecord pulled = pulledImage("same", publishChain("same-layer"));
        String digestName = "127.0.0.1:5000/ns/app@" + pulled.manifestDigest();
        store.commit(pulled, "127.0.0.1:5000/ns/app:v1", digestName);
        store.commit(pulled, "127.0.0.1:5000/ns/app:stable", digestName);
        ImageRecord again = store.commit(pulled, "127.0.0.1:5000/ns/app:v1", null);

        assertEquals(List.of("127.0.0.1:5000/ns/app:v1", "127.0.0.1:5000/ns/app:stable"), again.repoTags());
        assertEquals(List.of(digestName), again.repoDigests());
        assertEquals(1, store.list().size());
    }

    // ---- remove and garbage collection ----

    @Test
    void removingOneOfTwoTagsRemovesJustTheTag() throws IOException {
        List<String> chain = publishChain("tagged");
        ImageRecord pulled = pulledImage("two-tags", chain);
        store.commit(pulled, "127.0.0.1:5000/ns/app:v1", null);
        store.commit(pulled, "127.0.0.1:5000/ns/app:latest", null);

        assertEquals(Optional.empty(), store.remove("127.0.0.1:5000/ns/app:v1"), "no image went away");

        ImageRecord left = store.find(pulled.id()).orElseThrow();
        assertEquals(List.of("127.0.0.1:5000/ns/app:latest"), left.repoTags());
        assertEquals(Optional.empty(), store.find("127.0.0.1:5000/ns/app:v1"));
        assertTrue(store.hasLayer(chain.getFirst()));
        assertEquals(
                List.of("127.0.0.1:5000/ns/app:latest"),
                recordOnDisk(pulled.id()).repoTags());

        assertEquals(
                Optional.of(pulled.id()),
                store.remove("127.0.0.1:5000/ns/app:latest"),
                "removing the last tag removes the image");
        assertTrue(store.list().isEmpty());
        assertFalse(store.hasLayer(chain.getFirst()));
    }

    @Test
    void removingByIdCollectsUnsharedLayersAndBlobs() throws IOException {
        String base = digestOf("base diff");
        List<String> chainA = ChainId.of(List.of(base, digestOf("a diff")));
        List<String> chainB = ChainId.of(List.of(base, digestOf("b diff")));
        publish(chainA.get(0), "");
        publish(chainA.get(1), chainA.get(0));
        publish(chainB.get(1), chainB.get(0));
        ImageRecord a = pulledImage("image a", chainA);
        ImageRecord b = pulledImage("image b", chainB);
        store.commit(a, "127.0.0.1:5000/ns/a:v1", "127.0.0.1:5000/ns/a@" + a.manifestDigest());
        store.commit(a, "127.0.0.1:5000/ns/a:v2", null);
        store.commit(b, "127.0.0.1:5000/ns/b:v1", "127.0.0.1:5000/ns/b@" + b.manifestDigest());
        putBlobs(a);
        putBlobs(b);

        assertEquals(Optional.of(a.id()), store.remove(a.id()), "by ID, the image goes with all its tags");

        assertEquals(Optional.empty(), store.find("127.0.0.1:5000/ns/a:v1"));
        assertEquals(Optional.empty(), store.find("127.0.0.1:5000/ns/a:v2"));
        assertFalse(Files.exists(recordFile(a.id())));
        assertTrue(store.hasLayer(chainA.get(0)), "the shared base layer stays");
        assertFalse(store.hasLayer(chainA.get(1)));
        assertFalse(Files.exists(root.resolve("layers").resolve(ChainId.hex(chainA.get(1)))));
        assertTrue(store.hasLayer(chainB.get(1)));
        assertEquals(Optional.empty(), store.readBlob(a.id()));
        assertEquals(Optional.empty(), store.readBlob(a.manifestDigest()));
        assertTrue(store.readBlob(b.id()).isPresent());
        assertTrue(store.readBlob(b.manifestDigest()).isPresent());
        assertEquals(Optional.of(b.id()), store.find("127.0.0.1:5000/ns/b:v1").map(ImageRecord::id));

        assertEquals(Optional.of(b.id()), store.remove(b.idHex().substring(0, 12)), "by ID prefix");
        assertFalse(store.hasLayer(chainA.get(0)), "the base goes with its last image");
        try (Stream<Path> layers = Files.list(root.resolve("layers"));
                Stream<Path> blobs = Files.list(root.resolve("blobs/sha256"))) {
            assertEquals(0, layers.count());
            assertEquals(0, blobs.count());
        }
    }

    @Test
    void removingByRepoDigestRemovesTheImageWithAllItsTags() throws IOException {
        ImageRecord pulled = pulledImage("by digest", publishChain("by-digest-layer"));
        String repoDigest = "127.0.0.1:5000/ns/app@" + pulled.manifestDigest();
        store.commit(pulled, "127.0.0.1:5000/ns/app:v1", repoDigest);
        store.commit(pulled, "127.0.0.1:5000/ns/app:v2", null);

        assertEquals(Optional.of(pulled.id()), store.remove(repoDigest));

        assertTrue(store.list().isEmpty());
    }

    @Test
    void removingWhatIsNotThereRemovesNothing() throws IOException {
        store.commit(pulledImage("kept", publishChain("kept-layer")), "127.0.0.1:5000/ns/kept:v1", null);

        assertEquals(Optional.empty(), store.remove("127.0.0.1:5000/ns/gone:v1"));
        assertEquals(Optional.empty(), store.remove(digestOf("nothing")));

        assertEquals(1, store.list().size());
    }

    @Test
    void pinnedLayersSurviveGarbageCollectionUntilUnpinned() throws IOException {
        String pinned = publishChain("pinned").getFirst();
        String loose = publishChain("loose").getFirst();
        store.pin("pull-1", List.of(pinned));
        store.pin("container-1", List.of(pinned));

        store.collectGarbage();
        assertTrue(store.hasLayer(pinned));
        assertFalse(store.hasLayer(loose), "a layer nobody references or pins is garbage");

        store.unpin("pull-1");
        store.collectGarbage();
        assertTrue(store.hasLayer(pinned), "still pinned by the container");

        store.unpin("container-1");
        store.collectGarbage();
        assertFalse(store.hasLayer(pinned));
    }

    @Test
    void aPinnedLayerOutlivesItsImage() throws IOException {
        List<String> chain = publishChain("rootfs");
        ImageRecord image = store.commit(pulledImage("running", chain), "127.0.0.1:5000/ns/run:v1", null);
        store.pin("container-7", chain);

        store.remove(image.id());

        assertTrue(store.hasLayer(chain.getFirst()), "a running container keeps its lower dir");
        store.unpin("container-7");
        store.collectGarbage();
        assertFalse(store.hasLayer(chain.getFirst()));
    }

    // ---- layers ----

    @Test
    void publishingTheSameChainIdTwiceKeepsTheFirst() throws IOException {
        String chainId = ChainId.of(List.of(digestOf("dup"))).getFirst();
        Path first = workDirWith("first");
        store.publishLayer(first, new LayerRecord(chainId, chainId, "", digestOf("blob 1"), 1));
        Path second = workDirWith("second");

        store.publishLayer(second, new LayerRecord(chainId, chainId, "", digestOf("blob 2"), 2));

        assertFalse(Files.exists(first), "the first work dir was renamed into place");
        assertFalse(Files.exists(second), "the second work dir was discarded");
        assertEquals("first", Files.readString(store.layerDiff(chainId).resolve("content")));
        JsonNode layerJson = JSON.readTree(root.resolve("layers")
                .resolve(ChainId.hex(chainId))
                .resolve("layer.json")
                .toFile());
        assertEquals(digestOf("blob 1"), layerJson.get("compressedDigest").asString());
        try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
            assertEquals(0, tmp.count(), "nothing is left in tmp/");
        }
    }

    @Test
    void publishingReplacesALeftoverWithoutLayerJson() throws IOException {
        String chainId = ChainId.of(List.of(digestOf("leftover"))).getFirst();
        Path leftover = root.resolve("layers").resolve(ChainId.hex(chainId));
        Files.createDirectories(leftover.resolve("diff"));
        Files.writeString(leftover.resolve("diff/half-written"), "junk");
        assertFalse(store.hasLayer(chainId));

        store.publishLayer(workDirWith("whole"), new LayerRecord(chainId, chainId, "", digestOf("blob"), 1));

        assertTrue(store.hasLayer(chainId));
        assertEquals("whole", Files.readString(store.layerDiff(chainId).resolve("content")));
        assertFalse(Files.exists(store.layerDiff(chainId).resolve("half-written")));
    }

    @Test
    void chainIdFollowsTheOciFormula() throws Exception {
        String d0 = "sha256:4fbec69b941195fd56f8212a5000e304129451d82efca94ff0e0fb2d5355472e"; // sha256("layer0")
        String d1 = "sha256:77ea7eee3d80b1a38f83906dd3048e2689457eb90e18a7d12f839c5ae37106a2"; // sha256("layer1")
        String d2 = "sha256:95cf1a2e1698fe3ca1fcc3f653119146b271d0b62e487ec264441e886a11bd06"; // sha256("layer2")
        assertEquals(d0, digestOf("layer0"));

        List<String> chain = ChainId.of(List.of(d0, d1, d2));

        // Computed with: printf '%s %s' "$prev" "$diff" | sha256sum
        assertEquals(
                List.of(
                        d0,
                        "sha256:ef232af0eb422cdfd7917631657cd8ed2bfd5b9461b37c427aa0d3e0a19adf79",
                        "sha256:7ad3896338947cc04ee0b35b50d400ff32538d63f42f85ec87feac78bf71a54d"),
                chain);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        String c1 = "sha256:" + HexFormat.of().formatHex(sha.digest((d0 + " " + d1).getBytes(StandardCharsets.UTF_8)));
        String c2 = "sha256:" + HexFormat.of().formatHex(sha.digest((c1 + " " + d2).getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(d0, c1, c2), chain);

        assertEquals(List.of(d0), ChainId.of(List.of(d0)), "a bottom layer's chain ID is its diff ID");
        assertEquals(List.of(), ChainId.of(List.of()));
        assertNotEquals(ChainId.of(List.of(d1, d2)).get(1), chain.get(2), "the same diff on another base differs");
    }

    // ---- recovery on open ----

    @Test
    void openDeletesLeftoversInTmp() throws IOException {
        Path work = store.newWorkDir();
        Files.createDirectories(work.resolve("diff/usr/bin"));
        Files.writeString(work.resolve("diff/usr/bin/tool"), "half a layer");
        Files.writeString(root.resolve("tmp/stray-file"), "x");

        ImageStore.open(root);

        assertTrue(Files.isDirectory(root.resolve("tmp")));
        try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
            assertEquals(0, tmp.count());
        }
    }

    @Test
    void openDropsAnImageWhoseLayerDirIsMissing() throws IOException {
        List<String> broken = publishChain("broken-base", "broken-top");
        ImageRecord brokenImage = store.commit(pulledImage("broken", broken), "127.0.0.1:5000/ns/broken:v1", null);
        ImageRecord intact =
                store.commit(pulledImage("intact", publishChain("intact-layer")), "127.0.0.1:5000/ns/intact:v1", null);
        putBlobs(brokenImage);
        deleteTree(root.resolve("layers").resolve(ChainId.hex(broken.get(1))));

        ImageStore reopened = ImageStore.open(root);

        assertEquals(Optional.empty(), reopened.find(brokenImage.id()));
        assertEquals(Optional.empty(), reopened.find("127.0.0.1:5000/ns/broken:v1"));
        assertFalse(Files.exists(recordFile(brokenImage.id())), "the record file is deleted");
        assertFalse(reopened.hasLayer(broken.get(0)), "its remaining layer is now garbage");
        assertEquals(Optional.empty(), reopened.readBlob(brokenImage.id()));
        assertEquals(
                intact.id(),
                reopened.find("127.0.0.1:5000/ns/intact:v1").orElseThrow().id());
    }

    @Test
    void openDropsAnImageWhoseLayerLacksLayerJson() throws IOException {
        List<String> chain = publishChain("unfinished");
        ImageRecord image = store.commit(pulledImage("unfinished", chain), null, null);
        Files.delete(
                root.resolve("layers").resolve(ChainId.hex(chain.getFirst())).resolve("layer.json"));

        ImageStore reopened = ImageStore.open(root);

        assertEquals(Optional.empty(), reopened.find(image.id()));
        assertFalse(Files.exists(root.resolve("layers").resolve(ChainId.hex(chain.getFirst()))));
    }

    @Test
    void openRemovesALayerDirWithoutLayerJson() throws IOException {
        Path stray = root.resolve("layers").resolve(ChainId.hex(digestOf("stray")));
        Files.createDirectories(stray.resolve("diff/etc"));
        Files.writeString(stray.resolve("diff/etc/passwd"), "root:x:0:0");

        ImageStore reopened = ImageStore.open(root);

        assertFalse(Files.exists(stray));
        assertTrue(reopened.list().isEmpty());
    }

    @Test
    void openGivesATagTwoRecordsClaimToTheNewerRecord() throws IOException {
        // Both orders of file name against age, so directory order cannot decide by luck.
        for (boolean firstIsNewer : List.of(true, false)) {
            Path storeRoot = temp.resolve("tags-" + firstIsNewer);
            ImageStore fresh = ImageStore.open(storeRoot);
            List<String> layersA = publishChain(fresh, "tag-a-" + firstIsNewer);
            List<String> layersB = publishChain(fresh, "tag-b-" + firstIsNewer);
            String idA = digestOf("record a " + firstIsNewer);
            String idB = digestOf("record b " + firstIsNewer);
            String tag = "127.0.0.1:5000/ns/app:latest";
            long updatedA = firstIsNewer ? 2_000 : 1_000;
            long updatedB = firstIsNewer ? 1_000 : 2_000;
            // A crash after writing the new owner's record but before rewriting the old one.
            writeRecordJson(storeRoot, idA, List.of(tag, "127.0.0.1:5000/ns/app:a-only"), layersA, updatedA);
            writeRecordJson(storeRoot, idB, List.of(tag), layersB, updatedB);
            String newer = firstIsNewer ? idA : idB;
            String older = firstIsNewer ? idB : idA;

            ImageStore reopened = ImageStore.open(storeRoot);

            assertEquals(newer, reopened.find(tag).orElseThrow().id(), "firstIsNewer=" + firstIsNewer);
            assertFalse(reopened.find(older).orElseThrow().repoTags().contains(tag));
            assertEquals(2, reopened.list().size(), "the older image stays, without the tag");
            assertFalse(recordOnDisk(storeRoot, older).repoTags().contains(tag), "the loser is rewritten");
            assertEquals(
                    firstIsNewer ? updatedB : updatedA,
                    recordOnDisk(storeRoot, older).updated(),
                    "recovery keeps the loser's time");
            assertEquals(
                    Optional.of(idA),
                    reopened.find("127.0.0.1:5000/ns/app:a-only").map(ImageRecord::id),
                    "other tags are untouched");
            assertEquals(
                    newer, ImageStore.open(storeRoot).find(tag).orElseThrow().id(), "stable on reopen");
        }
    }

    @Test
    void openDropsUnparseableRecordFiles() throws IOException {
        ImageRecord good =
                store.commit(pulledImage("good", publishChain("good-layer")), "127.0.0.1:5000/ns/good:v1", null);
        Path garbage = root.resolve("images").resolve(ChainId.hex(digestOf("garbage")) + ".json");
        Files.writeString(garbage, "{\"id\": \"sha256:trunc");
        Path empty = root.resolve("images").resolve(ChainId.hex(digestOf("empty")) + ".json");
        Files.writeString(empty, "{}");
        Path notAnObject = root.resolve("images").resolve(ChainId.hex(digestOf("array")) + ".json");
        Files.writeString(notAnObject, "[1, 2, 3]");

        ImageStore reopened = ImageStore.open(root);

        assertFalse(Files.exists(garbage));
        assertFalse(Files.exists(empty));
        assertFalse(Files.exists(notAnObject));
        assertEquals(
                List.of(good.id()),
                reopened.list().stream().map(ImageRecord::id).toList());
    }

    @Test
    void openCollectsUnreferencedBlobs() throws IOException {
        byte[] content = "orphan blob".getBytes(StandardCharsets.UTF_8);
        Digest orphan = Digest.parse(digestOf("orphan blob"));
        store.putBlob(orphan, content);
        assertArrayEquals(content, store.readBlob(orphan.toString()).orElseThrow());

        ImageStore reopened = ImageStore.open(root);

        assertEquals(Optional.empty(), reopened.readBlob(orphan.toString()));
    }

    @Test
    void usageCountsTheStore() throws IOException {
        publishChain("measured");
        StoreUsage usage = store.usage();
        assertTrue(usage.bytes() > 0);
        assertTrue(usage.inodes() >= 8, "storage, blobs, layers, images, tmp and a layer: " + usage.inodes());
    }

    // ---- helpers ----

    // ---- leftover sweep ----

    @Test
    void sweepRemovesTmpLeftoversAndWriteTempsButSparesWorkInProgress() throws IOException {
        Path inProgress = store.newWorkDir();
        Files.writeString(inProgress.resolve("partial"), "x");
        Path released = store.newWorkDir();
        store.releaseWorkDir(released);
        Path stray = Files.createDirectories(root.resolve("tmp/left-by-a-crash"));
        Files.writeString(stray.resolve("f"), "x");
        Path writeTemp = Files.writeString(root.resolve("images/.abc.json.tmp-1"), "{");

        List<Path> removed = store.sweepLeftovers();

        assertEquals(List.of(stray, writeTemp), removed);
        assertTrue(Files.exists(inProgress.resolve("partial")), "a work dir in use stays");
        assertFalse(Files.exists(released));
        assertFalse(Files.exists(stray));
        assertFalse(Files.exists(writeTemp));
    }

    @Test
    void aPublishedWorkDirIsNoLongerInProgress() throws IOException {
        publish("sha256:" + "1".repeat(64), null);
        assertEquals(List.of(), store.sweepLeftovers(), "nothing left in tmp/ after a publication");
    }

    private List<String> publishChain(String... names) throws IOException {
        return publishChain(store, names);
    }

    /** Publishes a chain of layers whose diff IDs are the digests of {@code names}; returns their chain IDs. */
    private static List<String> publishChain(ImageStore target, String... names) throws IOException {
        List<String> diffIds = Stream.of(names).map(ImageStoreTest::digestOf).toList();
        List<String> chain = ChainId.of(diffIds);
        for (int i = 0; i < chain.size(); i++) {
            Path work = target.newWorkDir();
            Files.createDirectories(work.resolve("diff"));
            Files.writeString(work.resolve("diff/content"), names[i]);
            target.publishLayer(
                    work,
                    new LayerRecord(
                            chain.get(i),
                            diffIds.get(i),
                            i == 0 ? "" : chain.get(i - 1),
                            digestOf("compressed " + names[i]),
                            100));
        }
        return chain;
    }

    private void publish(String chainId, String parent) throws IOException {
        store.publishLayer(workDirWith(chainId), new LayerRecord(chainId, chainId, parent, digestOf(chainId), 1));
    }

    private Path workDirWith(String content) throws IOException {
        Path work = store.newWorkDir();
        Files.createDirectories(work.resolve("diff"));
        Files.writeString(work.resolve("diff/content"), content);
        return work;
    }

    private static ImageRecord pulledImage(String config, List<String> layers) {
        return new ImageRecord(
                digestOf(config), List.of(), List.of(), digestOf("manifest of " + config), layers, 1234, CONFIG, 0);
    }

    private void putBlobs(ImageRecord image) throws IOException {
        store.putBlob(Digest.parse(image.id()), ("config " + image.id()).getBytes(StandardCharsets.UTF_8));
        store.putBlob(
                Digest.parse(image.manifestDigest()), ("manifest " + image.id()).getBytes(StandardCharsets.UTF_8));
    }

    private Path recordFile(String id) {
        return root.resolve("images").resolve(ChainId.hex(id) + ".json");
    }

    private ImageRecord recordOnDisk(String id) {
        return recordOnDisk(root, id);
    }

    private static ImageRecord recordOnDisk(Path storeRoot, String id) {
        return JSON.readValue(
                storeRoot.resolve("images").resolve(ChainId.hex(id) + ".json").toFile(), ImageRecord.class);
    }

    /** An image record written by hand, as a crash would leave it. */
    private static void writeRecordJson(Path storeRoot, String id, List<String> tags, List<String> layers, long updated)
            throws IOException {
        String json = """
                {"id":"%s","repoTags":[%s],"repoDigests":[],"manifestDigest":"%s","layers":[%s],"size":42,\
                "config":{"user":"root","env":["A=1"]},"updated":%d}
                """.formatted(id, quoted(tags), digestOf("manifest " + id), quoted(layers), updated);
        Files.writeString(storeRoot.resolve("images").resolve(ChainId.hex(id) + ".json"), json);
    }

    private static String quoted(List<String> values) {
        return String.join(",", values.stream().map(v -> "\"" + v + "\"").toList());
    }

    private static String digestOf(String text) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(
                                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
