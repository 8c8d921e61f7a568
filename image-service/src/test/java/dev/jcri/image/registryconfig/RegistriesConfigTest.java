package dev.jcri.image.registryconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.image.ImageReference;
import dev.jcri.image.InvalidReferenceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistriesConfigTest {
    static final String SHA = "sha256:" + "cd".repeat(32);

    @TempDir
    Path dir;

    private Path main(String toml) throws IOException {
        return Files.writeString(dir.resolve("registries.conf"), toml);
    }

    private void dropIn(String name, String toml) throws IOException {
        Files.createDirectories(dir.resolve("registries.conf.d"));
        Files.writeString(dir.resolve("registries.conf.d").resolve(name), toml);
    }

    private RegistriesConfig load(String toml) throws IOException {
        return RegistriesConfig.load(main(toml));
    }

    private static List<String> describe(List<Endpoint> endpoints) {
        return endpoints.stream()
                .map(e -> e.host() + " " + e.reference() + (e.insecure() ? " insecure" : "")
                        + (e.mirror() ? " mirror" : ""))
                .toList();
    }

    private static ImageReference ref(String s) {
        return ImageReference.parse(s);
    }

    @Test
    void missingMainFileIsEmpty() throws Exception {
        RegistriesConfig config = RegistriesConfig.load(dir.resolve("nope.conf"));
        assertEquals(List.of(), config.unqualifiedSearchRegistries());
        assertEquals(List.of("quay.io quay.io/a/b:latest"), describe(config.pullSources(ref("quay.io/a/b"))));
    }

    @Test
    void dockerHubIsServedByRegistry1() throws Exception {
        List<Endpoint> sources = RegistriesConfig.empty().pullSources(ref("busybox"));
        assertEquals(1, sources.size());
        Endpoint endpoint = sources.getFirst();
        assertEquals("registry-1.docker.io", endpoint.host());
        assertEquals("docker.io", endpoint.registry());
        assertEquals("library/busybox", endpoint.repository());
        assertFalse(endpoint.insecure());
        assertFalse(endpoint.mirror());
    }

    @Test
    void manPageExample() throws Exception {
        RegistriesConfig config = load("""
                unqualified-search-registries = ["example.com"]

                [[registry]]
                prefix = "example.com/foo"
                insecure = false
                blocked = false
                location = "internal-registry-for-example.com/bar"

                [[registry.mirror]]
                location = "example-mirror-0.local/mirror-for-foo"

                [[registry.mirror]]
                location = "example-mirror-1.local/mirrors/foo"
                insecure = true

                [[registry]]
                location = "registry.com"

                [[registry.mirror]]
                location = "mirror.registry.com"
                """);
        assertEquals(
                List.of(
                        "example-mirror-0.local example-mirror-0.local/mirror-for-foo/image:latest mirror",
                        "example-mirror-1.local example-mirror-1.local/mirrors/foo/image:latest insecure mirror",
                        "internal-registry-for-example.com internal-registry-for-example.com/bar/image:latest"),
                describe(config.pullSources(ref("example.com/foo/image:latest"))));
        assertEquals(
                List.of(
                        "mirror.registry.com mirror.registry.com/image:latest mirror",
                        "registry.com registry.com/image:latest"),
                describe(config.pullSources(ref("registry.com/image"))));
        assertEquals(List.of("example.com"), config.unqualifiedSearchRegistries());
    }

    @Test
    void prefixMatchesOnlyAtComponentBoundaries() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                prefix = "example.com/foo"
                location = "other.example/x"
                """);
        assertEquals(
                "other.example/x/bar:latest",
                config.pullSources(ref("example.com/foo/bar"))
                        .getFirst()
                        .reference()
                        .toString());
        assertEquals(
                "other.example/x:tag",
                config.pullSources(ref("example.com/foo:tag"))
                        .getFirst()
                        .reference()
                        .toString());
        assertEquals(
                "other.example/x@" + SHA,
                config.pullSources(ref("example.com/foo@" + SHA))
                        .getFirst()
                        .reference()
                        .toString());
        assertEquals(
                "example.com/foobar:latest",
                config.pullSources(ref("example.com/foobar"))
                        .getFirst()
                        .reference()
                        .toString());
    }

    @Test
    void hostPrefixDoesNotMatchOtherPort() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                location = "example.com"
                insecure = true
                """);
        assertTrue(config.pullSources(ref("example.com/a")).getFirst().insecure());
        assertFalse(config.pullSources(ref("example.com:5000/a")).getFirst().insecure());
    }

    @Test
    void longestPrefixWins() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                prefix = "docker.io"
                location = "hub-mirror.local"

                [[registry]]
                prefix = "docker.io/library/busybox"
                location = "special.local/bb"
                insecure = true

                [[registry]]
                prefix = "docker.io/library"
                location = "lib.local/official"
                """);
        assertEquals(
                List.of("special.local special.local/bb:1 insecure"), describe(config.pullSources(ref("busybox:1"))));
        assertEquals(
                List.of("lib.local lib.local/official/alpine:latest"), describe(config.pullSources(ref("alpine"))));
        assertEquals(
                List.of("hub-mirror.local hub-mirror.local/foo/bar:latest"),
                describe(config.pullSources(ref("foo/bar"))));
    }

    @Test
    void dockerHubMirrorKeepsRegistryAsLastResort() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                prefix = "docker.io"
                location = "docker.io"
                [[registry.mirror]]
                location = "mirror.gcr.io"
                """);
        assertEquals(
                List.of(
                        "mirror.gcr.io mirror.gcr.io/library/busybox:latest mirror",
                        "registry-1.docker.io docker.io/library/busybox:latest"),
                describe(config.pullSources(ref("busybox"))));
    }

    @Test
    void locationRewritingIntoDockerHubNormalizes() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                prefix = "internal.example/hub"
                location = "docker.io"
                """);
        Endpoint endpoint =
                config.pullSources(ref("internal.example/hub/busybox")).getFirst();
        assertEquals("registry-1.docker.io", endpoint.host());
        assertEquals("library/busybox", endpoint.repository());
    }

    @Test
    void wildcardPrefixMatchesSubdomains() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                prefix = "*.example.com"
                insecure = true
                [[registry.mirror]]
                location = "cache.local/any"
                """);
        assertEquals(
                List.of(
                        "cache.local cache.local/any/team/app:latest mirror",
                        "a.example.com a.example.com/team/app:latest insecure"),
                describe(config.pullSources(ref("a.example.com/team/app"))));
        assertEquals(
                List.of(
                        "cache.local cache.local/any/app:latest mirror",
                        "x.y.example.com:5000 x.y.example.com:5000/app:latest insecure"),
                describe(config.pullSources(ref("x.y.example.com:5000/app"))));
        assertEquals(1, config.pullSources(ref("example.com/app")).size());
        assertEquals(1, config.pullSources(ref("badexample.com/app")).size());
        assertEquals(1, config.pullSources(ref("quay.io/example.com/app")).size());
    }

    @Test
    void exactPrefixBeatsShorterWildcard() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                prefix = "*.example.com"
                blocked = true

                [[registry]]
                prefix = "good.example.com"
                location = "good.example.com"
                """);
        assertEquals(1, config.pullSources(ref("good.example.com/app")).size());
        assertThrows(BlockedRegistryException.class, () -> config.pullSources(ref("bad.example.com/app")));
    }

    @Test
    void wildcardWithLocationReplacesTheHost() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                prefix = "*.corp.example"
                location = "proxy.local/corp"
                """);
        assertEquals(
                "proxy.local/corp/team/app:v1",
                config.pullSources(ref("eu.corp.example/team/app:v1"))
                        .getFirst()
                        .reference()
                        .toString());
    }

    @Test
    void blockedRegistryNamesRegistryAndFile() throws Exception {
        Path file = main("""
                [[registry]]
                location = "evil.example"
                blocked = true
                """);
        RegistriesConfig config = RegistriesConfig.load(file);
        BlockedRegistryException e =
                assertThrows(BlockedRegistryException.class, () -> config.pullSources(ref("evil.example/x")));
        assertTrue(e.getMessage().contains("evil.example"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertEquals(file, e.source());
        assertEquals("evil.example", e.registry());
    }

    @Test
    void mirrorsByDigestOrTag() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                location = "a.example"
                [[registry.mirror]]
                location = "digests.local"
                pull-from-mirror = "digest-only"
                [[registry.mirror]]
                location = "tags.local"
                pull-from-mirror = "tag-only"
                [[registry.mirror]]
                location = "all.local"

                [[registry]]
                location = "b.example"
                mirror-by-digest-only = true
                [[registry.mirror]]
                location = "bmirror.local"
                """);
        assertEquals(
                List.of("tags.local", "all.local", "a.example"),
                config.pullSources(ref("a.example/x:1")).stream()
                        .map(Endpoint::host)
                        .toList());
        assertEquals(
                List.of("digests.local", "all.local", "a.example"),
                config.pullSources(ref("a.example/x:1@" + SHA)).stream()
                        .map(Endpoint::host)
                        .toList());
        assertEquals(
                List.of("b.example"),
                config.pullSources(ref("b.example/x")).stream()
                        .map(Endpoint::host)
                        .toList());
        assertEquals(
                List.of("bmirror.local", "b.example"),
                config.pullSources(ref("b.example/x@" + SHA)).stream()
                        .map(Endpoint::host)
                        .toList());
    }

    @Test
    void dropInsOverrideInNameOrder() throws Exception {
        Path file = main("""
                unqualified-search-registries = ["one.example", "two.example"]
                [[registry]]
                location = "quay.io"
                insecure = true
                [[registry]]
                location = "keep.example"
                insecure = true
                """);
        dropIn("20-second.conf", """
                [[registry]]
                location = "quay.io"
                [[registry.mirror]]
                location = "quay-mirror.local"
                """);
        dropIn("10-first.conf", """
                unqualified-search-registries = ["first.example"]
                [[registry]]
                location = "quay.io"
                blocked = true
                """);
        dropIn("30-no-search.conf", """
                [[registry]]
                location = "new.example"
                insecure = true
                """);
        dropIn("99-ignored.conf.disabled", "unqualified-search-registries = [\"nope.example\"]");
        RegistriesConfig config = RegistriesConfig.load(file);
        assertEquals(List.of("first.example"), config.unqualifiedSearchRegistries());
        assertEquals(
                List.of("quay-mirror.local quay-mirror.local/x:latest mirror", "quay.io quay.io/x:latest"),
                describe(config.pullSources(ref("quay.io/x"))));
        assertTrue(config.pullSources(ref("keep.example/x")).getFirst().insecure());
        assertTrue(config.pullSources(ref("new.example/x")).getFirst().insecure());
    }

    @Test
    void dropInsApplyWithoutMainFile() throws Exception {
        dropIn("search.conf", "unqualified-search-registries = [\"quay.io\"]");
        RegistriesConfig config = RegistriesConfig.load(dir.resolve("registries.conf"));
        assertEquals(List.of("quay.io"), config.unqualifiedSearchRegistries());
    }

    @Test
    void emptySearchListReplacesToo() throws Exception {
        Path file = main("unqualified-search-registries = [\"quay.io\"]");
        dropIn("x.conf", "unqualified-search-registries = []");
        assertEquals(List.of(), RegistriesConfig.load(file).unqualifiedSearchRegistries());
    }

    @Test
    void shortNameCandidates() throws Exception {
        RegistriesConfig config =
                load("unqualified-search-registries = [\"quay.io\", \"docker.io\", \"localhost:5000\"]");
        assertEquals(
                List.of("quay.io/busybox:latest", "docker.io/library/busybox:latest", "localhost:5000/busybox:latest"),
                config.candidatesFor("busybox").stream()
                        .map(ImageReference::toString)
                        .toList());
        assertEquals(
                List.of("quay.io/foo/bar@" + SHA, "docker.io/foo/bar@" + SHA, "localhost:5000/foo/bar@" + SHA),
                config.candidatesFor("foo/bar@" + SHA).stream()
                        .map(ImageReference::toString)
                        .toList());
        assertEquals(
                List.of("registry.example/x:latest"),
                config.candidatesFor("registry.example/x").stream()
                        .map(ImageReference::toString)
                        .toList());
        assertEquals(
                List.of("docker.io/library/x:1"),
                config.candidatesFor("docker.io/x:1").stream()
                        .map(ImageReference::toString)
                        .toList());
    }

    @Test
    void noSearchRegistriesMeansDockerHub() {
        assertEquals(
                List.of("docker.io/library/busybox:latest"),
                RegistriesConfig.empty().candidatesFor("busybox").stream()
                        .map(ImageReference::toString)
                        .toList());
        assertThrows(
                InvalidReferenceException.class, () -> RegistriesConfig.empty().candidatesFor("Bad Name"));
    }

    @Test
    void unknownKeysAreIgnored() throws Exception {
        RegistriesConfig config = load("""
                unqualified-search-registries = ["quay.io"]
                short-name-mode = "enforcing"
                credential-helpers = ["containers-auth.json"]

                [aliases]
                "fedora" = "registry.fedoraproject.org/fedora"

                [[registry]]
                location = "quay.io"
                proxy = "http://proxy.local:3128"
                [[registry.mirror]]
                location = "m.local"
                something-new = 42
                """);
        assertEquals(2, config.pullSources(ref("quay.io/x")).size());
    }

    @Test
    void wrongTypesNameFileAndKey() throws Exception {
        assertConfigError(
                "[[registry]]\nlocation = \"a.example\"\ninsecure = \"yes\"\n", "registry[0].insecure", "boolean");
        assertConfigError(
                "[[registry]]\nlocation = \"a.example\"\n[[registry]]\nlocation = 5\n",
                "registry[1].location",
                "string");
        assertConfigError("unqualified-search-registries = \"quay.io\"\n", "unqualified-search-registries", "array");
        assertConfigError("unqualified-search-registries = [1]\n", "unqualified-search-registries", "string");
        assertConfigError("[registry]\nlocation = \"a.example\"\n", "registry", "array");
        assertConfigError(
                "[[registry]]\nlocation = \"a.example\"\nmirror = \"m.example\"\n", "registry[0].mirror", "array");
        assertConfigError(
                "[[registry]]\nlocation = \"a.example\"\n[[registry.mirror]]\ninsecure = true\n",
                "registry[0].mirror[0].location",
                "required");
        assertConfigError(
                "[[registry]]\nlocation = \"a.example\"\n[[registry.mirror]]\nlocation = \"m.local\"\n"
                        + "pull-from-mirror = \"sometimes\"\n",
                "pull-from-mirror",
                "digest-only");
        assertConfigError("[[registry]]\nlocation = \"a.example\"\nblocked = 1\n", "registry[0].blocked", "number");
    }

    @Test
    void invalidValuesAreErrors() throws Exception {
        assertConfigError("[[registry]]\ninsecure = true\n", "registry[0]", "neither");
        assertConfigError("[[registry]]\nlocation = \"https://a.example\"\n", "registry[0].location", "scheme");
        assertConfigError("[[registry]]\nprefix = \"*.example.com/foo\"\n", "registry[0].prefix", "wildcard");
        assertConfigError("[[registry]]\nprefix = \"example.*.com\"\n", "registry[0].prefix", "'*'");
        assertConfigError(
                "[[registry]]\nprefix = \"busybox\"\nlocation = \"a.example\"\n",
                "registry[0].prefix",
                "registry host");
        assertConfigError(
                "[[registry]]\nprefix = \"a.example\"\nlocation = \"mirror\"\n",
                "registry[0].location",
                "registry host");
        assertConfigError(
                "[[registry]]\nlocation = \"a.example\"\n[[registry]]\nprefix = \"a.example\"\n",
                "registry",
                "more than once");
        assertConfigError(
                "unqualified-search-registries = [\"quay.io/ns\"]\n", "unqualified-search-registries", "quay.io/ns");
        assertConfigError(
                "[[registry]]\nlocation = \"a.example\"\nmirror-by-digest-only = true\n"
                        + "[[registry.mirror]]\nlocation = \"m.local\"\npull-from-mirror = \"all\"\n",
                "registry[0]",
                "mirror-by-digest-only");
        assertConfigError("unqualified-search-registries = [\n", "", "TOML");
    }

    @Test
    void errorInDropInNamesTheDropIn() throws Exception {
        Path file = main("");
        dropIn("bad.conf", "[[registry]]\nlocation = \"a.example\"\ninsecure = \"no\"\n");
        InvalidRegistriesConfigException e =
                assertThrows(InvalidRegistriesConfigException.class, () -> RegistriesConfig.load(file));
        assertEquals(dir.resolve("registries.conf.d").resolve("bad.conf"), e.file());
    }

    @Test
    void rewriteIntoInvalidReferenceNamesTheRule() throws Exception {
        RegistriesConfig config = load("""
                [[registry]]
                prefix = "a.example/x"
                location = "b.example/UPPER"
                """);
        InvalidReferenceException e =
                assertThrows(InvalidReferenceException.class, () -> config.pullSources(ref("a.example/x/y")));
        assertTrue(e.getMessage().contains("a.example/x"), e.getMessage());
        assertTrue(e.getMessage().contains("registries.conf"), e.getMessage());
    }

    private void assertConfigError(String toml, String key, String fragment) throws IOException {
        Path file = main(toml);
        InvalidRegistriesConfigException e =
                assertThrows(InvalidRegistriesConfigException.class, () -> RegistriesConfig.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
