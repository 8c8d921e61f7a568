package dev.jcri.server.rpc.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PinnedImagesTest {
    private final PinnedImages pinned = new PinnedImages(
            "registry.k8s.io/pause:3.10", List.of("registry.example/infra/*", "docker.io/library/busybox:1.36", " "));

    @Test
    void aPrefixPatternMatchesTagsAndDigestsThatStartWithIt() {
        assertTrue(pinned.matchesPrefix(List.of("registry.example/infra/agent:2")));
        assertTrue(pinned.matchesPrefix(List.of("other/x:1", "registry.example/infra/agent@sha256:" + "a".repeat(64))));
        assertFalse(pinned.matchesPrefix(List.of("registry.example/infrastructure:1")));
        assertFalse(pinned.matchesPrefix(List.of("registry.example/infra")));
        assertFalse(pinned.matchesPrefix(List.of()));
    }

    @Test
    void exactNamesAreNoPrefixes() {
        // Exact names are resolved through the store like any reference, never matched as text prefixes.
        assertFalse(pinned.matchesPrefix(List.of("docker.io/library/busybox:1.36")));
        assertFalse(pinned.matchesPrefix(List.of("registry.k8s.io/pause:3.10")));
    }
}
