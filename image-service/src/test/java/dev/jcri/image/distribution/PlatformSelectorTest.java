package dev.jcri.image.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlatformSelectorTest {
    private static String digest(int n) {
        return "sha256:" + String.format("%064x", n);
    }

    private static String entry(int n, String mediaType, String platform, String annotations) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest(n) + "\",\"size\":" + (100 + n)
                + (platform == null ? "" : ",\"platform\":" + platform)
                + (annotations == null ? "" : ",\"annotations\":" + annotations) + "}";
    }

    private static String platform(String os, String arch, String variant) {
        return "{\"os\":\"" + os + "\",\"architecture\":\"" + arch + "\""
                + (variant == null ? "" : ",\"variant\":\"" + variant + "\"") + "}";
    }

    private static byte[] index(String mediaType, String... entries) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"manifests\":[" + String.join(",", entries)
                        + "]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Shaped like BuildKit's output: images per platform, each followed by its attestation manifest. */
    private static byte[] buildkitIndex() {
        String attestation = "{\"vnd.docker.reference.digest\":\"" + digest(1)
                + "\",\"vnd.docker.reference.type\":\"attestation-manifest\"}";
        return index(
                MediaTypes.OCI_INDEX,
                entry(1, MediaTypes.OCI_MANIFEST, platform("linux", "amd64", null), null),
                entry(2, MediaTypes.OCI_MANIFEST, platform("linux", "arm64", "v8"), null),
                entry(3, MediaTypes.OCI_MANIFEST, platform("linux", "arm", "v7"), null),
                entry(4, MediaTypes.OCI_MANIFEST, platform("linux", "arm", "v6"), null),
                entry(5, MediaTypes.OCI_MANIFEST, platform("unknown", "unknown", null), attestation),
                entry(6, MediaTypes.OCI_MANIFEST, platform("windows", "amd64", null), null));
    }

    private static Descriptor select(Platform node, byte[] index) throws IOException {
        return new PlatformSelector(node).select(index);
    }

    @Test
    void picksEachPlatform() throws Exception {
        assertEquals(
                digest(1),
                select(new Platform("linux", "amd64", null), buildkitIndex())
                        .digest()
                        .toString());
        assertEquals(
                digest(2),
                select(new Platform("linux", "arm64", null), buildkitIndex())
                        .digest()
                        .toString());
        assertEquals(
                digest(3),
                select(new Platform("linux", "arm", "v7"), buildkitIndex())
                        .digest()
                        .toString());
        assertEquals(
                digest(4),
                select(new Platform("linux", "arm", "v6"), buildkitIndex())
                        .digest()
                        .toString());
        Descriptor chosen = select(new Platform("linux", "amd64", null), buildkitIndex());
        assertEquals(MediaTypes.OCI_MANIFEST, chosen.mediaType());
        assertEquals(101, chosen.size());
        assertEquals(new Platform("linux", "amd64", null), chosen.platform());
    }

    @Test
    void dockerManifestList() throws Exception {
        byte[] list = index(
                MediaTypes.DOCKER_MANIFEST_LIST,
                entry(7, MediaTypes.DOCKER_MANIFEST, platform("linux", "arm64", null), null),
                entry(8, MediaTypes.DOCKER_MANIFEST, platform("linux", "amd64", null), null));
        assertEquals(
                digest(8),
                select(new Platform("linux", "amd64", null), list).digest().toString());
        assertEquals(
                digest(7),
                select(new Platform("linux", "arm64", "v8"), list).digest().toString());
    }

    @Test
    void armVariantsFallBackToOlderOnes() throws Exception {
        byte[] index = index(
                MediaTypes.OCI_INDEX,
                entry(1, MediaTypes.OCI_MANIFEST, platform("linux", "arm", "v5"), null),
                entry(2, MediaTypes.OCI_MANIFEST, platform("linux", "arm", "v6"), null));
        assertEquals(
                digest(2),
                select(new Platform("linux", "arm", "v7"), index).digest().toString());
        assertThrows(
                NoMatchingPlatformException.class,
                () -> select(
                        new Platform("linux", "arm", "v5"),
                        index(
                                MediaTypes.OCI_INDEX,
                                entry(2, MediaTypes.OCI_MANIFEST, platform("linux", "arm", "v6"), null))));
    }

    @Test
    void arm64VariantSpellings() throws Exception {
        for (String variant : new String[] {null, "v8", "8", "v8.0"}) {
            byte[] index = index(
                    MediaTypes.OCI_INDEX,
                    entry(1, MediaTypes.OCI_MANIFEST, platform("linux", "aarch64", variant), null));
            assertEquals(
                    digest(1),
                    select(new Platform("linux", "arm64", "v8"), index).digest().toString());
        }
        byte[] v9only =
                index(MediaTypes.OCI_INDEX, entry(1, MediaTypes.OCI_MANIFEST, platform("linux", "arm64", "v9"), null));
        assertThrows(NoMatchingPlatformException.class, () -> select(new Platform("linux", "arm64", null), v9only));
    }

    @Test
    void amd64AliasesAndLevelOne() throws Exception {
        byte[] index = index(
                MediaTypes.OCI_INDEX,
                entry(1, MediaTypes.OCI_MANIFEST, platform("linux", "amd64", "v3"), null),
                entry(2, MediaTypes.OCI_MANIFEST, platform("linux", "x86_64", "v1"), null));
        assertEquals(
                digest(2),
                select(new Platform("linux", "amd64", null), index).digest().toString());
    }

    @Test
    void attestationsAndForeignMediaTypesAreNeverChosen() {
        byte[] index = index(
                MediaTypes.OCI_INDEX,
                entry(
                        1,
                        MediaTypes.OCI_MANIFEST,
                        platform("linux", "amd64", null),
                        "{\"vnd.docker.reference.type\":\"attestation-manifest\"}"),
                entry(2, "application/vnd.example.sbom+json", platform("linux", "amd64", null), null),
                entry(3, MediaTypes.OCI_MANIFEST, platform("unknown", "unknown", null), null));
        NoMatchingPlatformException e = assertThrows(
                NoMatchingPlatformException.class, () -> select(new Platform("linux", "amd64", null), index));
        assertTrue(e.getMessage().contains("linux/amd64"), e.getMessage());
        assertEquals(List.of(), e.available());
    }

    @Test
    void errorListsAvailablePlatforms() {
        NoMatchingPlatformException e = assertThrows(
                NoMatchingPlatformException.class, () -> select(new Platform("linux", "s390x", null), buildkitIndex()));
        assertEquals(
                "the image has no variant for linux/s390x; it offers linux/amd64, linux/arm64/v8, linux/arm/v7,"
                        + " linux/arm/v6, windows/amd64",
                e.getMessage());
        assertEquals(new Platform("linux", "s390x", null), e.wanted());
    }

    @Test
    void platformlessEntryIsLastResort() throws Exception {
        byte[] index = index(
                MediaTypes.OCI_INDEX,
                entry(1, MediaTypes.OCI_MANIFEST, null, null),
                entry(2, MediaTypes.OCI_MANIFEST, platform("linux", "amd64", null), null));
        assertEquals(
                digest(2),
                select(new Platform("linux", "amd64", null), index).digest().toString());
        byte[] only = index(MediaTypes.OCI_INDEX, entry(1, MediaTypes.OCI_MANIFEST, null, null));
        assertEquals(
                digest(1),
                select(new Platform("linux", "amd64", null), only).digest().toString());
    }

    @Test
    void firstOfEqualEntriesWins() throws Exception {
        byte[] index = index(
                MediaTypes.OCI_INDEX,
                entry(1, MediaTypes.OCI_MANIFEST, platform("linux", "amd64", null), null),
                entry(2, MediaTypes.OCI_MANIFEST, platform("linux", "amd64", null), null));
        assertEquals(
                digest(1),
                select(new Platform("linux", "amd64", null), index).digest().toString());
    }

    @Test
    void malformedIndexes() {
        Platform node = new Platform("linux", "amd64", null);
        for (String json : List.of(
                "not json",
                "{}",
                "{\"manifests\":{}}",
                "{\"manifests\":[1]}",
                "{\"manifests\":[{\"mediaType\":\"x\",\"size\":1}]}",
                "{\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"sha256:abc\",\"size\":1}]}",
                "{\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"" + digest(1) + "\",\"size\":\"1\"}]}",
                "{\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"" + digest(1)
                        + "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}")) {
            IOException e =
                    assertThrows(IOException.class, () -> select(node, json.getBytes(StandardCharsets.UTF_8)), json);
            assertTrue(e.getMessage().startsWith("malformed image index"), e.getMessage());
        }
    }

    @Test
    void javaArchMapsToGoArch() {
        assertEquals(new Platform("linux", "amd64", null), Platform.forJavaArch("amd64"));
        assertEquals(new Platform("linux", "arm64", "v8"), Platform.forJavaArch("aarch64"));
        assertEquals(new Platform("linux", "arm", "v7"), Platform.forJavaArch("arm"));
        assertEquals(new Platform("linux", "386", null), Platform.forJavaArch("x86"));
        assertEquals(new Platform("linux", "ppc64le", null), Platform.forJavaArch("ppc64le"));
        assertEquals(new Platform("linux", "s390x", null), Platform.forJavaArch("s390x"));
        assertEquals(new Platform("linux", "riscv64", null), Platform.forJavaArch("riscv64"));
        assertEquals(new Platform("linux", "loong64", null), Platform.forJavaArch("loongarch64"));
        assertEquals("linux", Platform.current().os());
    }

    @Test
    void mediaTypePredicates() {
        assertTrue(MediaTypes.isIndex(MediaTypes.OCI_INDEX));
        assertTrue(MediaTypes.isIndex(MediaTypes.DOCKER_MANIFEST_LIST));
        assertTrue(MediaTypes.isImageManifest(MediaTypes.DOCKER_MANIFEST));
        assertTrue(MediaTypes.isLayer(MediaTypes.OCI_LAYER_ZSTD));
        assertTrue(MediaTypes.isLayer(MediaTypes.DOCKER_LAYER_GZIP));
        assertTrue(!MediaTypes.isLayer(MediaTypes.OCI_CONFIG));
        assertTrue(MediaTypes.MANIFEST_ACCEPT.startsWith(MediaTypes.OCI_INDEX));
    }
}
