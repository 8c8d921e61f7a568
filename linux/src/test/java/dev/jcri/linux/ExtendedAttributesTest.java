package dev.jcri.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtendedAttributesTest {
    @TempDir
    Path dir;

    @Test
    void setGetListRoundTripBinaryValues() throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        byte[] capability = {1, 0, 0, 2, (byte) 0xc0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        ExtendedAttributes.set(file, "security.capability", capability);
        ExtendedAttributes.set(file, "user.foo", "bar".getBytes(StandardCharsets.UTF_8));
        ExtendedAttributes.set(file, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(
                capability, ExtendedAttributes.get(file, "security.capability").orElseThrow());
        assertArrayEquals(
                "bar".getBytes(StandardCharsets.UTF_8),
                ExtendedAttributes.get(file, "user.foo").orElseThrow());
        List<String> names = ExtendedAttributes.list(file);
        assertTrue(
                names.containsAll(List.of("security.capability", "user.foo", "trusted.overlay.opaque")),
                names.toString());
    }

    @Test
    void missingAttributeIsEmpty() throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        assertTrue(ExtendedAttributes.get(file, "user.none").isEmpty());
        assertEquals(
                List.of(),
                ExtendedAttributes.list(file).stream()
                        .filter(n -> n.startsWith("user."))
                        .toList());
    }

    @Test
    void emptyValueIsStored() throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        ExtendedAttributes.set(file, "user.empty", new byte[0]);
        assertArrayEquals(
                new byte[0], ExtendedAttributes.get(file, "user.empty").orElseThrow());
    }

    @Test
    void symlinkAttributesAreTheLinksOwn() throws Exception {
        Path target = Files.createFile(dir.resolve("target"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        ExtendedAttributes.set(link, "trusted.mark", new byte[] {1});
        assertTrue(ExtendedAttributes.get(target, "trusted.mark").isEmpty());
        assertArrayEquals(
                new byte[] {1}, ExtendedAttributes.get(link, "trusted.mark").orElseThrow());
    }
}
