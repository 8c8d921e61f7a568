package dev.jcri.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
    static final String SHA = "sha256:abababababababababababababababababababababababababababababababab";

    @ParameterizedTest
    @CsvSource({
        "busybox, docker.io/library/busybox:latest",
        "busybox:1.36, docker.io/library/busybox:1.36",
        "foo/bar, docker.io/foo/bar:latest",
        "foo/bar/baz:v1, docker.io/foo/bar/baz:v1",
        "docker.io/busybox, docker.io/library/busybox:latest",
        "docker.io/library/busybox:latest, docker.io/library/busybox:latest",
        "index.docker.io/busybox, docker.io/library/busybox:latest",
        "index.docker.io/foo/bar, docker.io/foo/bar:latest",
        "localhost/foo, localhost/foo:latest",
        "localhost:5000/x, localhost:5000/x:latest",
        "registry.example.com/a/b:tag, registry.example.com/a/b:tag",
        "example.com:8443/a/b, example.com:8443/a/b:latest",
        "[::1]:5000/foo, [::1]:5000/foo:latest",
        "Foo/bar, Foo/bar:latest",
        "localhost:5000, docker.io/library/localhost:5000",
        "foo/a.b_c__d-e--f, docker.io/foo/a.b_c__d-e--f:latest",
        "quay.io/x:A_tag.with-Stuff, quay.io/x:A_tag.with-Stuff",
    })
    void normalizes(String input, String canonical) {
        assertEquals(canonical, ImageReference.parse(input).toString());
    }

    @Test
    void partsOfAFullReference() {
        ImageReference ref = ImageReference.parse("registry.example.com:5000/team/app:v2@" + SHA);
        assertEquals("registry.example.com:5000", ref.registry());
        assertEquals("team/app", ref.repository());
        assertEquals("v2", ref.tag());
        assertEquals(Digest.parse(SHA), ref.digest());
        assertEquals("registry.example.com:5000/team/app", ref.name());
        assertEquals("registry.example.com:5000/team/app:v2@" + SHA, ref.toString());
        assertFalse(ref.isShortName());
    }

    @Test
    void digestOnlyGetsNoTag() {
        ImageReference ref = ImageReference.parse("busybox@" + SHA);
        assertNull(ref.tag());
        assertEquals("sha256", ref.digest().algorithm());
        assertEquals("docker.io/library/busybox@" + SHA, ref.toString());
    }

    @Test
    void tagAndDigestAreBothKept() {
        ImageReference ref = ImageReference.parse("busybox:1.36@" + SHA);
        assertEquals("1.36", ref.tag());
        assertEquals(SHA, ref.digest().toString());
        assertEquals("docker.io/library/busybox:1.36@" + SHA, ref.toString());
    }

    @Test
    void shortNames() {
        assertTrue(ImageReference.parse("busybox").isShortName());
        assertTrue(ImageReference.parse("foo/bar:1").isShortName());
        assertTrue(ImageReference.parse("busybox@" + SHA).isShortName());
        assertFalse(ImageReference.parse("docker.io/busybox").isShortName());
        assertFalse(ImageReference.parse("localhost/busybox").isShortName());
        assertFalse(ImageReference.parse("quay.io/busybox").isShortName());
    }

    @Test
    void equalityIgnoresSpelling() {
        assertEquals(ImageReference.parse("busybox"), ImageReference.parse("docker.io/library/busybox:latest"));
        assertEquals(
                ImageReference.parse("busybox").hashCode(),
                ImageReference.parse("index.docker.io/library/busybox").hashCode());
        assertFalse(ImageReference.parse("busybox").equals(ImageReference.parse("busybox:1")));
    }

    @Test
    void shortNameInSearchRegistry() {
        assertEquals(
                "quay.io/busybox:latest",
                ImageReference.parse("busybox").inRegistry("quay.io").toString());
        assertEquals(
                "docker.io/library/busybox:latest",
                ImageReference.parse("busybox").inRegistry("docker.io").toString());
        assertEquals(
                "localhost:5000/foo/bar@" + SHA,
                ImageReference.parse("foo/bar@" + SHA)
                        .inRegistry("localhost:5000")
                        .toString());
        assertEquals(
                "r.example/a:1@" + SHA,
                ImageReference.parse("a:1@" + SHA).inRegistry("r.example").toString());
        assertThrows(
                IllegalStateException.class,
                () -> ImageReference.parse("quay.io/x").inRegistry("r.io"));
        assertThrows(
                InvalidReferenceException.class, () -> ImageReference.parse("x").inRegistry("noregistry"));
    }

    @Test
    void ofBuildsFromParts() {
        ImageReference ref = ImageReference.of("quay.io", "a/b", "v1", null);
        assertEquals("quay.io/a/b:v1", ref.toString());
        assertEquals(
                "quay.io/a/b@" + SHA,
                ImageReference.of("quay.io", "a/b", null, Digest.parse(SHA)).toString());
        assertThrows(InvalidReferenceException.class, () -> ImageReference.of("docker.io", "busybox", null, null));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "BUSYBOX",
                "foo/Bar",
                "docker.io/Foo",
                "foo//bar",
                "foo/",
                "/foo",
                ":tag",
                "@" + SHA,
                "foo:-tag",
                "foo:.tag",
                "foo:t@g",
                "foo@sha256:abc",
                "foo@md5:0123456789abcdef0123456789abcdef",
                "foo@sha256",
                "a:b:c",
                "-foo",
                "foo-",
                "foo_-bar",
                "foo___bar",
                "foo..bar",
                "exa_mple.com/foo",
                "-bad.com/foo",
                "foo bar",
                "foo@sha256:" + "AB" + "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab",
            })
    void rejects(String input) {
        InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(input));
        assertTrue(e.getMessage().contains("\"" + input + "\""), e.getMessage());
        assertEquals(input, e.reference());
    }

    @Test
    void rejectsImageIds() {
        String id = "ab".repeat(32);
        InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(id));
        assertTrue(e.getMessage().contains("image ID"), e.getMessage());
    }

    @Test
    void errorsSayWhatIsWrong() {
        assertMessage("foo/Bar", "must be lowercase");
        assertMessage("foo:" + "t".repeat(129), "tag");
        assertMessage("foo@sha256:abc", "64 lowercase hex");
        assertMessage("foo@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm");
        assertMessage("foo//bar", "empty path component");
    }

    @Test
    void tagLengthLimit() {
        assertEquals(
                "t".repeat(128), ImageReference.parse("foo:" + "t".repeat(128)).tag());
    }

    @Test
    void nameLengthLimit() {
        String registry = "r.io";
        String okPath = "a".repeat(ImageReference.MAX_NAME_LENGTH - registry.length() - 1);
        assertEquals(okPath, ImageReference.parse(registry + "/" + okPath).repository());
        assertMessage(registry + "/" + okPath + "a", "more than 255");
    }

    private static void assertMessage(String input, String fragment) {
        InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(input));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
